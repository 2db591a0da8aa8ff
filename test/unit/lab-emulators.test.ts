/**
 * The lab emulators' own unit tests (Python's unittest, beside each emulator as test_*.py), run with
 * the interpreter the lab hosts run the emulators with, and the shared helpers on the module path
 * (the emulators folder too, so an emulator split into a package imports as one: `import netops.x`).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DA_STATUS_FORMATS, daStatusAnswer, SAMPLE_PID } from '../lab/emulators/netops/status-variants';

const EMULATORS = path.join(__dirname, '..', 'lab', 'emulators');
const PYTHON = '/usr/bin/python3';
const PYTHON_ENV = {
  ...process.env,
  PYTHONPATH: [path.join(EMULATORS, 'common'), EMULATORS].join(path.delimiter),
  PYTHONDONTWRITEBYTECODE: '1',
};

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

function requirePython(): void {
  if (!fs.existsSync(PYTHON))
    throw new Error(
      `${PYTHON} is missing: install Python 3 (apt-get install python3), which the lab emulators run on`,
    );
}

const files = testFiles(EMULATORS).sort();

it('finds the unit tests of the shared helpers and of each emulator', () => {
  expect(files.map((f) => path.relative(EMULATORS, f))).toEqual(
    expect.arrayContaining([
      'common/test_labemu.py',
      'cassandra/test_cassandra_lab.py',
      'dataminer/test_dataminer_lab.py',
      'netops/test_netops_consul.py',
      'netops/test_netops_dadaemon.py',
      'netops/test_netops_installer.py',
      'netops/test_netops_properties.py',
      'netops/test_netops_repository.py',
    ]),
  );
});

it.each(files.map((f) => [path.relative(EMULATORS, f), f]))('%s passes', (_name, file) => {
  requirePython();
  const run = spawnSync(PYTHON, ['-B', '-W', 'error::ResourceWarning', path.basename(file)], {
    cwd: path.dirname(file),
    env: PYTHON_ENV,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  expect({ status: run.status, output }).toEqual({ status: 0, output: expect.stringMatching(/\nOK\b/) });
  expect(Number(/Ran (\d+) tests?/.exec(output)?.[1] ?? 0)).toBeGreaterThan(0);
});

it('netops: dadaemon status prints every answer of status-variants.ts, byte for byte', () => {
  requirePython();
  // The construct's unit tests read status-variants.ts; the lab hosts run this Python.
  const cases = DA_STATUS_FORMATS.flatMap((format) =>
    ['Active', 'Inactive', 'Maintenance', 'Failed', undefined].map((state) => ({ format, state })),
  );
  const script = [
    'import json, sys',
    'from netops.dadaemon import da_status_text',
    'cases = json.loads(sys.argv[1])',
    "print(json.dumps([da_status_text(c['format'], c.get('state'), int(sys.argv[2])) for c in cases]))",
  ].join('\n');
  const run = spawnSync(PYTHON, ['-B', '-c', script, JSON.stringify(cases), String(SAMPLE_PID)], {
    env: PYTHON_ENV,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  const printed = (JSON.parse(run.stdout) as [string, number][]).map(([stdout, code]) => ({ stdout, code }));
  expect(printed).toEqual(cases.map(({ format, state }) => daStatusAnswer(format, state, SAMPLE_PID)));
});
