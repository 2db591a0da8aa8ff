// Bundles the runner and ssh2 into one CommonJS file, so a synthesized stack folder needs only
// `terraform` and `node` to apply: no node_modules beside it.
//
// Terraform starts the runner once per step, so its start-up counts. Compiling the 1 MB bundle is
// most of it: the file is a small loader that carries the bundle as a string and compiles it with a
// V8 code cache kept beside the runner (in the stack folder, owned by whoever runs terraform; never
// a shared temporary folder). The first step writes the cache; later steps skip the compile. A
// stale or foreign cache is rejected by V8 and rewritten.
//
// The runner never synthesizes, so the framework stays out of it. The runner's graph reaches
// construct classes (a construct's index.ts exports its class beside the part other constructs
// use), and with them `cdktf` and `@cdktf/provider-null`: 560 KiB of the bundle, all evaluated at
// every start (about half of a step's start-up CPU on a loaded machine). In the bundle they are
// replaced by placeholders of the same names: a class still extends one, and any use of one at run
// time throws, naming what happened.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireHere = createRequire(path.join(root, 'package.json'));

/** Synth-time packages: what the runner's graph imports of them, and nothing they do. */
const SYNTH_ONLY = /^(cdktf|cdktn|@cdktf\/provider-null)(\/.*)?$/;
const synthOnly = {
  name: 'synth-only',
  setup(b) {
    b.onResolve({ filter: SYNTH_ONLY }, (args) => ({ path: args.path, namespace: 'synth-only' }));
    b.onLoad({ filter: /.*/, namespace: 'synth-only' }, (args) => {
      const names = Object.keys(requireHere(args.path)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
      return {
        loader: 'js',
        contents: `const placeholder = (name) => class { constructor() { throw new Error(name + ' (${args.path}) is used at synth time only; the step runner does not carry it'); } };
${names.map((n) => `exports.${n} = placeholder(${JSON.stringify(n)});`).join('\n')}
`,
      };
    });
  },
};

const result = await build({
  entryPoints: [path.join(root, 'runner.ts')],
  write: false,
  outfile: 'runner-bundle.cjs',
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // ssh2 falls back to pure JavaScript when its optional native addons are absent.
  external: ['cpu-features', '*.node'],
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [synthOnly],
});
const bundle = result.outputFiles[0].text;

const loader = `#!/usr/bin/env node
'use strict';
// cdktf-failover step runner. The bundle below is compiled with a V8 code cache kept beside this file.
// Before anything an older Node.js could not parse: the version, with one sentence when too old.
if (Number(process.versions.node.split('.')[0]) < 20) {
  process.stderr.write('cdktf-failover: the step runner needs Node.js 20 or later where terraform runs, and this machine (' +
    require('os').hostname() + ') has Node.js ' + process.version + ': use a runner or agent image with Node.js 20+, ' +
    'run the workspace in local execution mode, or name a Node.js 20+ executable with the cdktf-failover:node context key\\n');
  process.exit(127);
}
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const cacheFile = path.join(__dirname, '.' + path.basename(__filename) + '.v8cache');
let cachedData;
try { cachedData = fs.readFileSync(cacheFile); } catch { cachedData = undefined; }
const script = new vm.Script(SOURCE, { filename: __filename, cachedData, importModuleDynamically: undefined });
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    try {
      const tmp = cacheFile + '.' + process.pid;
      fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(tmp, cacheFile);
    } catch { /* a read-only folder: run without the cache */ }
  });
}
script.runInThisContext()(exports, require, module, __filename, __dirname);
`;

mkdirSync(path.join(root, 'dist'), { recursive: true });
writeFileSync(
  path.join(root, 'dist', 'runner.cjs'),
  // A function replacer: the bundle holds `$'` and `$&`, which a replacement string would expand.
  loader.replace('SOURCE', () =>
    JSON.stringify(`(function (exports, require, module, __filename, __dirname) {${bundle}\n})`),
  ),
);
// Also the `cdktf-failover` command (package.json bin).
chmodSync(path.join(root, 'dist', 'runner.cjs'), 0o755);
