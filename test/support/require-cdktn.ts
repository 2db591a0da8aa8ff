// The cdktn flavour's synth tests need cdktn in its own folder: say how to get it when missing.
import * as fs from 'node:fs';
import * as path from 'node:path';

const dir = path.join(__dirname, '..', '..', '.flavours', 'cdktn', 'node_modules');
for (const name of ['cdktn', 'constructs'])
  if (!fs.existsSync(path.join(dir, name, 'package.json')))
    throw new Error(
      `${name} is not installed in ${dir}: run \`node test/lab/require-prerequisites.mjs --cdktn\` (npm test runs it first)`,
    );
