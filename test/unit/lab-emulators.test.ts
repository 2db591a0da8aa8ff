/**
 * The lab emulators' own unit tests (Python's unittest, beside each emulator as test_*.py), run with
 * the interpreter the lab hosts run the emulators with, and the shared helpers on the module path.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const EMULATORS = path.join(__dirname, '..', 'lab', 'emulators');
const PYTHON = '/usr/bin/python3';

function testFiles(directory: string): string[] {
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? testFiles(path.join(directory, entry.name))
        : /^test_.*\.py$/.test(entry.name)
          ? [path.join(directory, entry.name)]
          : [],
    );
}

const files = testFiles(EMULATORS).sort();

it('finds the unit tests of the shared helpers and of each emulator', () => {
  expect(files.map((f) => path.relative(EMULATORS, f))).toEqual(
    expect.arrayContaining([
      'common/test_labemu.py',
      'cassandra/test_cassandra_lab.py',
      'dataminer/test_dataminer_lab.py',
    ]),
  );
});

it.each(files.map((f) => [path.relative(EMULATORS, f), f]))('%s passes', (_name, file) => {
  if (!fs.existsSync(PYTHON))
    throw new Error(
      `${PYTHON} is missing: install Python 3 (apt-get install python3), which the lab emulators run on`,
    );
  const run = spawnSync(PYTHON, ['-B', '-W', 'error::ResourceWarning', path.basename(file)], {
    cwd: path.dirname(file),
    env: { ...process.env, PYTHONPATH: path.join(EMULATORS, 'common'), PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  expect({ status: run.status, output }).toEqual({ status: 0, output: expect.stringMatching(/\nOK\b/) });
  expect(Number(/Ran (\d+) tests?/.exec(output)?.[1] ?? 0)).toBeGreaterThan(0);
});
