// Bundles the runner and ssh2 into one CommonJS file, so a synthesized stack folder needs only
// `terraform` and `node` to apply: no node_modules beside it.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

await build({
  entryPoints: [path.join(root, 'src', 'runner', 'main.ts')],
  outfile: path.join(root, 'dist', 'runner.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // ssh2 falls back to pure JavaScript when its optional native addons are absent.
  external: ['cpu-features', '*.node'],
  logLevel: 'warning',
  legalComments: 'none',
});
