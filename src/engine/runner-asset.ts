import * as fs from 'node:fs';
import * as path from 'node:path';
import { Construct, IConstruct } from 'constructs';
import { AssetType, TerraformAsset, TerraformStack } from '../cdktf';

/** The library's package names: its cdktf and cdktn flavours carry the same runner. */
const PACKAGE_NAMES = ['cdktf-failover', 'cdktn-failover'];

const ASSET_ID = 'FailoverRunner';

/** The package root: where package.json names this library, wherever the compiled file sits. */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (
      fs.existsSync(manifest) &&
      PACKAGE_NAMES.includes(JSON.parse(fs.readFileSync(manifest, 'utf8')).name)
    ) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find the ${PACKAGE_NAMES.join(' or ')} package root above ${__dirname}`);
    dir = parent;
  }
}

/** The bundled runner (ssh2 inside) that every step's local-exec provisioner runs. */
export function runnerBundlePath(): string {
  const bundle = path.join(packageRoot(), 'dist', 'runner.cjs');
  if (!fs.existsSync(bundle)) {
    throw new Error(
      `The step runner ${bundle} has not been built: run \`npm run build\` in ${packageRoot()}.`,
    );
  }
  return bundle;
}

/**
 * One copy of the runner per stack, copied into the synthesized stack folder, so that folder
 * applies with `terraform` and `node` alone.
 */
export function runnerAsset(scope: IConstruct): TerraformAsset {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(ASSET_ID);
  if (existing) return existing as TerraformAsset;
  return new TerraformAsset(stack as Construct, ASSET_ID, { path: runnerBundlePath(), type: AssetType.FILE });
}
