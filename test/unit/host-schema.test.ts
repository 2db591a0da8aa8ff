import { Construct } from 'constructs';
import { ValidationError } from '../../src/errors';
import { hostSchema, SshCredentials } from '../../src/schema/host';
import { parseProps } from '../../src/validate';
import { Token } from '../../src/cdktf';

const KEY = `SHA256:${'a'.repeat(43)}`;
const valid = {
  address: '10.0.0.11',
  user: 'admin',
  credentials: SshCredentials.agent(),
  hostKeySha256: KEY,
};

function problems(input: unknown): { path: string; message: string }[] {
  const result = hostSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('host schema', () => {
  it('accepts a minimal host and fills the defaults', () => {
    expect(hostSchema.parse(valid)).toEqual({
      ...valid,
      credentials: { kind: 'agent', socketEnv: 'SSH_AUTH_SOCK' },
      port: 22,
      os: 'linux',
      acceptUnknownHostKey: false,
      sudo: false,
      connectTimeoutSeconds: 30,
      commandTimeoutSeconds: 300,
      keepBackups: 5,
    });
  });

  it.each(['10.0.0.11', 'fd00::11', '::1', 'da1.example.com', 'host-1', Token.asString({ ref: 'x' })])(
    'accepts the address %s',
    (address) => expect(problems({ ...valid, address })).toEqual([]),
  );

  it.each(['10.0.0.256', 'a;b', 'host name', '$(id)', '-oProxyCommand=x', '', '1.2.3', 'x'.repeat(254)])(
    'rejects the address %j, naming what is accepted',
    (address) =>
      expect(problems({ ...valid, address })).toEqual([
        { path: 'address', message: expect.stringMatching(/IPv4 address.*hostname/) },
      ]),
  );

  it.each([0, 65536, 22.5, '22'])('rejects the port %j', (port) =>
    expect(problems({ ...valid, port })[0]).toMatchObject({
      path: 'port',
      message: expect.stringMatching(/1 and 65535/),
    }),
  );

  it.each(['', ' admin', 'ad\nmin'])('rejects the user %j', (user) =>
    expect(problems({ ...valid, user })[0]).toMatchObject({
      path: 'user',
      message: expect.stringMatching(/login name/),
    }),
  );

  it('rejects an unknown os', () => {
    expect(problems({ ...valid, os: 'macos' })[0]).toMatchObject({
      path: 'os',
      message: 'expected "linux" or "windows"',
    });
  });

  it.each(['abc', 'SHA256:short', `MD5:${'a'.repeat(43)}`, `SHA256:${'a'.repeat(42)}!`])(
    'rejects the host key %j',
    (hostKeySha256) =>
      expect(problems({ ...valid, hostKeySha256 })[0]).toMatchObject({
        path: 'hostKeySha256',
        message: expect.stringMatching(/ssh-keygen -lf/),
      }),
  );

  it('requires a pinned host key unless unknown keys are accepted explicitly', () => {
    const { hostKeySha256: _omit, ...unpinned } = valid;
    expect(problems(unpinned)).toEqual([
      { path: 'hostKeySha256', message: expect.stringMatching(/pinned host key is required/) },
    ]);
    expect(problems({ ...unpinned, acceptUnknownHostKey: true })).toEqual([]);
    expect(problems({ ...valid, acceptUnknownHostKey: true })[0]).toMatchObject({
      path: 'acceptUnknownHostKey',
    });
  });

  it('accepts credentials only by reference', () => {
    expect(
      problems({ ...valid, credentials: SshCredentials.privateKeyFile('/home/ci/.ssh/id_ed25519') }),
    ).toEqual([]);
    expect(
      problems({ ...valid, credentials: SshCredentials.privateKeyEnv('DEPLOY_KEY', 'DEPLOY_KEY_PASS') }),
    ).toEqual([]);
    expect(problems({ ...valid, credentials: SshCredentials.passwordEnv('WIN_PASSWORD') })).toEqual([]);
    expect(problems({ ...valid, credentials: { kind: 'password', value: 'hunter2' } })[0]).toMatchObject({
      path: 'credentials.kind',
      message: expect.stringMatching(/by reference/),
    });
    expect(problems({ ...valid, credentials: { kind: 'passwordEnv', env: 'HAS SPACE' } })[0]).toMatchObject({
      path: 'credentials.env',
      message: expect.stringMatching(/environment variable name/),
    });
    expect(
      problems({
        ...valid,
        credentials: { kind: 'privateKeyFile', path: '/k', privateKey: '-----BEGIN' },
      })[0],
    ).toMatchObject({
      path: 'credentials',
      message: expect.stringMatching(/privateKey/),
    });
  });

  it('validates a bastion as a host of its own', () => {
    expect(problems({ ...valid, bastion: { ...valid, address: 'bad host' } })).toEqual([
      { path: 'bastion.address', message: expect.stringMatching(/IPv4/) },
    ]);
  });

  it('rejects sudo on Windows', () => {
    expect(problems({ ...valid, os: 'windows', sudo: true })).toEqual([
      { path: 'sudo', message: expect.stringMatching(/Linux hosts only/) },
    ]);
  });

  it.each([0, -1, 86401])('rejects a timeout of %j seconds', (connectTimeoutSeconds) =>
    expect(problems({ ...valid, connectTimeoutSeconds })[0]).toMatchObject({ path: 'connectTimeoutSeconds' }),
  );

  it('rejects unknown properties (a typo must not be silently ignored)', () => {
    expect(problems({ ...valid, hostkey: KEY })[0]).toMatchObject({
      message: expect.stringMatching(/hostkey/),
    });
  });
});

describe('ValidationError', () => {
  it('lists every problem at once with construct path, property path, received value and fix', () => {
    const scope = new Construct(undefined as never, 'Root');
    const child = new Construct(scope, 'SharedDir');
    let caught: unknown;
    try {
      parseProps(child, hostSchema, {
        address: 'a;b',
        port: 0,
        user: 'root',
        credentials: SshCredentials.agent(),
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as ValidationError;
    expect(error.problems.map((p) => p.propertyPath)).toEqual(['address', 'port', 'hostKeySha256']);
    expect(error.message).toContain('Invalid configuration (3 problems):');
    expect(error.message).toContain('Root/SharedDir:');
    expect(error.message).toContain('- address: received "a;b"; expected an IPv4 address');
    expect(error.message).toContain('- port: received 0; expected a TCP port number between 1 and 65535');
  });
});
