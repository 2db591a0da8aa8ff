// Generates the cdktn flavour of the library (package `cdktn-failover`, in dist-cdktn/) from this
// build (dist/): the same compiled code with the one framework import renamed (`cdktf` → `cdktn`,
// as CDK Terrain's own migration does) and the flavour's own files put in place of the cdktf ones
// (flavour.cdktn, null-engine.cdktn: no provider-null, `terraform_data` by default). A separate
// package rather than a subpath: `@cdktf/provider-null` is a dependency of cdktf-failover and has
// cdktf as a peer, which npm installs on its own, so a subpath could not keep cdktf out of a cdktn
// user's tree; and the two frameworks' types clash when both are there.
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const out = path.join(root, 'dist-cdktn');
const fail = (message) => {
  console.error(`cdktn flavour: ${message}`);
  process.exit(1);
};
if (!existsSync(path.join(dist, 'index.js')) || !existsSync(path.join(dist, 'runner.cjs')))
  fail('dist/ is not built: run `npm run build` (tsc, then the runner bundle) first');

const main = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
rmSync(out, { recursive: true, force: true });
for (const entry of ['index.js', 'index.d.ts', 'src', 'constructs', 'runner.cjs'])
  cpSync(path.join(dist, entry), path.join(out, 'dist', entry), { recursive: true });
for (const entry of ['docs', 'constructs/README.md', 'LICENSE'])
  cpSync(path.join(root, entry), path.join(out, entry), { recursive: true });

/** Every file under a folder. */
const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });

// The flavour's own files in place of the cdktf ones, the rest of the tree as compiled.
for (const file of files(path.join(out, 'dist'))) {
  const m = /^(.*)\.cdktn(\.js|\.d\.ts)$/.exec(file);
  if (m) renameSync(file, `${m[1]}${m[2]}`);
}
// The one framework import (src/cdktf.ts), renamed.
for (const file of ['src/cdktf.js', 'src/cdktf.d.ts'].map((f) => path.join(out, 'dist', f))) {
  const text = readFileSync(file, 'utf8');
  const renamed = text
    .replace(/require\("cdktf"\)/g, 'require("cdktn")')
    .replace(/from ["']cdktf["']/g, 'from "cdktn"');
  if (renamed === text) fail(`${path.relative(out, file)} does not import cdktf where expected`);
  writeFileSync(file, renamed);
}
// Nothing may still reach for cdktf: that would put it back in a cdktn user's tree.
const leftover = files(path.join(out, 'dist')).filter((file) =>
  /require\("(cdktf|@cdktf\/[^"]+)"\)|from ["'](cdktf|@cdktf\/[^"']+)["']/.test(readFileSync(file, 'utf8')),
);
if (leftover.length > 0)
  fail(`still imports cdktf: ${leftover.map((f) => path.relative(out, f)).join(', ')}`);

// The new-project template, for cdktn.
cpSync(path.join(root, 'templates'), path.join(out, 'templates'), { recursive: true });
const template = path.join(out, 'templates', 'new-project', 'main.ts');
writeFileSync(
  template,
  readFileSync(template, 'utf8')
    .replace(/from 'cdktf'/g, "from 'cdktn'")
    .replace(/cdktf-failover(?!:)/g, 'cdktn-failover'),
);

const { ['@cdktf/provider-null']: _providerNull, ...dependencies } = main.dependencies;
const pkg = {
  name: 'cdktn-failover',
  version: main.version,
  description: `${main.description} The CDK Terrain (cdktn) flavour of cdktf-failover.`,
  keywords: main.keywords.map((k) => (k === 'cdktf' ? 'cdktn' : k)),
  license: main.license,
  main: 'dist/index.js',
  types: 'dist/index.d.ts',
  exports: {
    '.': { types: './dist/index.d.ts', default: './dist/index.js' },
    './package.json': './package.json',
  },
  bin: { 'cdktn-failover': 'dist/runner.cjs' },
  engines: main.engines,
  peerDependencies: { cdktn: '^0.24.0', constructs: '>=10.6.0 <10.8.0' },
  dependencies,
};
writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(
  path.join(out, 'README.md'),
  `# cdktn-failover\n\nThe CDK Terrain (\`cdktn\`) flavour of \`cdktf-failover\`, built from the same source: the same constructs, props and runner, with \`cdktn\` as the framework and Terraform's built-in \`terraform_data\` as the engine (no provider to download; \`@cdktn/provider-null\` is not published). The documentation is cdktf-failover's: read \`cdktf\` as \`cdktn\` and \`cdktf-failover\` as \`cdktn-failover\` in imports and commands. App context keys keep their names (\`cdktf-failover:engine\`, \`cdktf-failover:node\`), as \`cdktf.json\` and \`cdktf.out\` keep theirs.\n\n\`\`\`sh\nnpm install cdktn-failover cdktn@0.24 constructs@10.7 cdktn-cli@0.24 typescript@5 ts-node@10 @types/node@20\ncp node_modules/cdktn-failover/templates/new-project/* .\nnpx cdktn deploy --auto-approve\n\`\`\`\n`,
);
console.log(`cdktn flavour: ${path.relative(root, out)}/ (package cdktn-failover ${main.version})`);
