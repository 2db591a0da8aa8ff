// Every test run exercises the runner built from the current sources, never a stale bundle.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  execFileSync(process.execPath, [path.join(__dirname, '..', 'src', 'runner', 'bundle.mjs')], {
    stdio: 'inherit',
  });
};
