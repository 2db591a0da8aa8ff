/** Props that once passed synth and failed at apply time, or never: each is refused at synth, named. */
import { Testing, TerraformStack } from '../../src/cdktf';
import { HostSteps, HostStepsProps, SshCredentials, ValidationError } from '../../index';
import type { Action } from '../../index';

const linux = {
  name: 'a',
  address: '10.0.0.1',
  user: 'deploy',
  hostKeySha256: `SHA256:${'k'.repeat(43)}`,
  credentials: SshCredentials.agent(),
};
const windows = { ...linux, name: 'w', os: 'windows' as const };

/** The problems one synth reports for a single step with these actions. */
function problemsOf(actions: Action[], host: typeof linux | typeof windows = linux, extra: object = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new HostSteps(stack, 'Steps', {
    steps: [{ id: 'one', description: 'x', host, actions, ...extra }],
  } as HostStepsProps);
  try {
    app.synth();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems.map(
      (p) => `${p.constructPath} ${p.propertyPath}: received ${p.received}; ${p.expected}`,
    );
  }
  return [];
}

test("a relative path (written under the login user's home directory otherwise)", () => {
  expect(problemsOf([{ kind: 'file', path: 'etc/motd', content: 'x' }])).toEqual([
    expect.stringMatching(
      /^test\/Steps steps\[0\]\.actions\[0\]\.path: received "etc\/motd"; expected an absolute path .*home directory$/,
    ),
  ]);
});

test('a line break in an INI value', () => {
  expect(
    problemsOf([
      { kind: 'config', format: 'ini', path: '/etc/a.ini', settings: [{ key: 's.k', value: 'v\n[evil]' }] },
    ]),
  ).toEqual([
    expect.stringContaining(
      'steps[0].actions[0].settings[0].value: received "v\\n[evil]"; an INI value may not contain a line break',
    ),
  ]);
});

test('a YAML key path the editor cannot address', () => {
  expect(
    problemsOf([
      { kind: 'config', format: 'yaml', path: '/etc/c.yaml', settings: [{ key: 'seeds[x]..a', value: 'v' }] },
    ]),
  ).toEqual([expect.stringContaining('settings[0].key: received "seeds[x]..a"; expected a YAML key path')]);
});

test('an owner that is not a user name', () => {
  expect(problemsOf([{ kind: 'file', path: '/etc/a', content: 'x', owner: 'Root User; rm' }])).toEqual([
    expect.stringContaining(
      'actions[0].owner: received "Root User; rm"; expected a POSIX user or group name',
    ),
  ]);
});

test('a PowerShell command on a Linux host, an argv and a POSIX path on a Windows host', () => {
  expect(problemsOf([{ kind: 'command', description: 'x', run: { powershell: 'Get-Date' } }])).toEqual([
    expect.stringContaining('actions[0].run: received {"powershell":"Get-Date"}; this step\'s host is Linux'),
  ]);
  expect(
    problemsOf(
      [
        { kind: 'command', description: 'x', run: { argv: ['true'] } },
        { kind: 'file', path: '/etc/a', content: 'x' },
      ],
      windows,
    ),
  ).toEqual([
    expect.stringContaining('actions[0].run: received {"argv":["true"]}; this step\'s host is Windows'),
    expect.stringContaining('actions[1].path: received "/etc/a"; this step\'s host is Windows'),
  ]);
});

test('a step that runs after itself, with the construct path', () => {
  expect(problemsOf([{ kind: 'file', path: '/etc/a', content: 'x' }], linux, { after: ['one'] })).toEqual([
    'test/Steps steps[0].after[0]: received "one"; a step cannot run after itself; remove its own id from after',
  ]);
});

test('steps that wait for each other in a cycle', () => {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  const step = (id: string, after: string[]) => ({
    id,
    description: id,
    host: linux,
    after,
    actions: [{ kind: 'file' as const, path: `/etc/${id}`, content: 'x' }],
  });
  new HostSteps(stack, 'Steps', { steps: [step('a', ['c']), step('b', ['a']), step('c', ['b'])] });
  expect(() => app.synth()).toThrow(/steps\[0\]\.after: .*a cycle \(a → c → b → a\)/);
});

test('NaN and Infinity are shown as themselves, not as null', () => {
  expect(
    problemsOf([{ kind: 'file', path: '/etc/a', content: 'x' }], { ...linux, port: NaN } as never),
  ).toEqual([expect.stringContaining('host.port: received NaN;')]);
  expect(
    problemsOf([{ kind: 'file', path: '/etc/a', content: 'x' }], { ...linux, port: Infinity } as never),
  ).toEqual([expect.stringContaining('host.port: received Infinity;')]);
});

test('a step whose spec would not fit in the runner’s environment variable (128 KiB): refused at synth, not with E2BIG at apply', () => {
  const content = 'x'.repeat(100 * 1024);
  const problems = problemsOf([
    { kind: 'file', path: '/etc/a', content },
    { kind: 'file', path: '/etc/b', content: content.slice(0, 40 * 1024) },
  ]);
  expect(problems).toEqual([
    expect.stringMatching(
      /^test\/Steps steps\[0\]: received step "one" with a spec of \d+ bytes \(actions\[0\]\.content alone is 102400 bytes\); expected a step spec of at most 131\d\d\d bytes.*split the actions over several steps$/,
    ),
  ]);
});

test('the same content split over two steps fits', () => {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  const content = 'x'.repeat(70 * 1024);
  new HostSteps(stack, 'Steps', {
    steps: [
      { id: 'one', description: 'x', host: linux, actions: [{ kind: 'file', path: '/etc/a', content }] },
      { id: 'two', description: 'x', host: linux, actions: [{ kind: 'file', path: '/etc/b', content }] },
    ],
  });
  expect(() => app.synth()).not.toThrow();
});

test('a NUL in a command (the kernel would end the argument there)', () => {
  expect(problemsOf([{ kind: 'command', description: 'x', run: { argv: ['printf', 'a\0b'] } }])).toEqual([
    expect.stringContaining(
      'steps[0].actions[0].run.argv[1]: received "a\\u0000b"; a command cannot contain a NUL',
    ),
  ]);
});

test('a secret typed where the name of its environment variable belongs is never shown', () => {
  const secret = '-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA';
  const host = { ...linux, credentials: SshCredentials.privateKeyEnv(secret) };
  const problems = problemsOf([{ kind: 'file', path: '/etc/a', content: 'x' }], host);
  expect(problems).toEqual([
    expect.stringMatching(
      /steps\[0\]\.host\.credentials\.env: received a string of 60 characters \(not shown: it may be a secret\); not a valid environment variable name/,
    ),
  ]);
  expect(problems.join('\n')).not.toContain('BEGIN');
  expect(problems.join('\n')).not.toContain('b3Blbn');
});
