import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { quotePosix, renderPosixCommand, shellScript } from '../../src/dialect/posix';
import { bindPowerShellVariables, encodePowerShell, quotePowerShell } from '../../src/dialect/powershell';

const HOSTILE = [
  "it's",
  '"double"',
  '$(touch /tmp/failover-pwned)',
  '`touch /tmp/failover-pwned`',
  'a; touch /tmp/failover-pwned',
  'line one\nline two',
  '$HOME ${PATH} %{x}',
  'back\\slash',
  'ünïcødé ✓ 日本',
  '‘curly’ ‚low‛',
  '*',
  '-n',
  '',
  '| cat /etc/shadow &',
];

describe('POSIX quoting', () => {
  it.each(HOSTILE)('a real sh receives %j unchanged and runs nothing', (value) => {
    const printed = execFileSync('sh', ['-c', `printf '%s' ${quotePosix(value)}`], { encoding: 'utf8' });
    expect(printed).toBe(value);
  });

  it('passes script arguments as positional parameters, never as code', () => {
    const argv = shellScript('printf "%s|%s" "$1" "$2"', '$(id)', "x'; echo y");
    const line = renderPosixCommand(argv, false);
    expect(execFileSync('sh', ['-c', line], { encoding: 'utf8' })).toBe("$(id)|x'; echo y");
  });

  it('prefixes sudo -n when the host asks for sudo', () => {
    expect(renderPosixCommand(['id'], true)).toBe("'sudo' '-n' '--' 'env' 'LC_ALL=C' 'id'");
    expect(renderPosixCommand(['id'], false)).toBe("'env' 'LC_ALL=C' 'id'");
  });

  it('refuses NUL characters and empty commands', () => {
    expect(() => quotePosix('a\0b')).toThrow(/NUL/);
    expect(() => renderPosixCommand([], false)).toThrow(/program name/);
  });
});

describe('PowerShell quoting', () => {
  /** A PowerShell single-quoted literal: quote characters appear only doubled inside. */
  const LITERAL = /^'(?:[^'\u2018\u2019\u201a\u201b]|['\u2018\u2019\u201a\u201b]{2})*'$/;

  it.each(HOSTILE)('%j becomes one single-quoted literal', (value) => {
    const quoted = quotePowerShell(value);
    expect(quoted).toMatch(LITERAL);
    const inner = quoted.slice(1, -1).replace(/(['\u2018\u2019\u201a\u201b])\1/g, '$1');
    expect(inner).toBe(value);
  });

  it('doubles typographic single quotes, which also close PowerShell strings', () => {
    expect(quotePowerShell('a\u2019b')).toBe("'a\u2019\u2019b'");
  });

  it('binds variables before the script and rejects bad variable names', () => {
    const script = bindPowerShellVariables('Get-Item -LiteralPath $path', { path: "C:\\it's" });
    expect(script).toContain("$path = 'C:\\it''s'");
    expect(script.indexOf('$path =')).toBeLessThan(script.indexOf('Get-Item'));
    expect(() => bindPowerShellVariables('x', { 'a;b': 'v' })).toThrow(/variable name/);
  });

  it('encodes a script as -EncodedCommand takes it: base64 of UTF-16LE', () => {
    const encoded = encodePowerShell("$v = '日本'");
    expect(Buffer.from(encoded, 'base64').toString('utf16le')).toBe("$v = '日本'");
    expect(encoded).toMatch(/^[A-Za-z0-9+/=]+$/);
  });
});

afterAll(() => {
  // None of the hostile strings above may have run as a command.
  expect(existsSync('/tmp/failover-pwned')).toBe(false);
});
