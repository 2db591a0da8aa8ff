import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveCredentials } from '../../src/runner/credentials';

const key = (text: string) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'key-')), 'id');
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
};

test('an unparseable key file is a problem on this machine, said so before any connection', () => {
  expect(() =>
    resolveCredentials({ kind: 'privateKeyFile', path: key('-----BEGIN NOTHING-----\nxx\n') }, 'db1'),
  ).toThrow(
    /^db1: the private key in the file .* cannot be used \(.+\)\. This is a problem on this machine, not on the host; nothing was attempted there\.$/,
  );
});

test('an unparseable key in a variable names the variable, never the value', () => {
  const run = () =>
    resolveCredentials({ kind: 'privateKeyEnv', env: 'DEPLOY_KEY' }, 'db1', { DEPLOY_KEY: 'secret-garbage' });
  expect(run).toThrow(/the private key in the environment variable DEPLOY_KEY cannot be used/);
  expect(run).not.toThrow(/secret-garbage/);
});

test('an empty variable is reported as empty, a missing one as not set', () => {
  expect(() => resolveCredentials({ kind: 'passwordEnv', env: 'PW' }, 'db1', { PW: '' })).toThrow(
    'db1: the environment variable PW (the password) is set but empty in the environment of terraform.',
  );
  expect(() => resolveCredentials({ kind: 'passwordEnv', env: 'PW' }, 'db1', {})).toThrow(
    'db1: the environment variable PW (the password) is not set in the environment of terraform.',
  );
});

test('a valid key passes', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'key-')), 'id');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  expect(resolveCredentials({ kind: 'privateKeyFile', path: file }, 'db1').privateKey).toBeDefined();
});
