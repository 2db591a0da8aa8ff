import {
  buildProgress,
  debianMirrorOf,
  labMirror,
  MIRROR_ENV,
  readAptSources,
  readPackageList,
} from '../lab/image';
import { renderSshdConfig } from '../lab/sshd-config';

test('the lab image package list: names only, comments and blank lines dropped', () => {
  expect(readPackageList('# what hosts have\nopenssh-server\n\n python3  # emulators\n')).toEqual([
    'openssh-server',
    'python3',
  ]);
  expect(() => readPackageList('openssh-server; rm -rf /\n')).toThrow(/not a package name/);
});

test('the package list in the repository names what the lab and its emulators use', () => {
  const names = readPackageList();
  for (const needed of ['openssh-server', 'tini', 'nfs-common', 'python3', 'nodejs', 'openssl', 'iproute2'])
    expect(names).toContain(needed);
});

test('a lab host sshd listens on every address of the host, keys only, emulators first on PATH', () => {
  const config = renderSshdConfig({ hostName: 'lab-a', port: 22, path: '/lab/bin:/usr/bin' });
  expect(config).toContain('ListenAddress 0.0.0.0\n');
  expect(config).toContain('PasswordAuthentication no\n');
  expect(config).toContain('SetEnv PATH=/lab/bin:/usr/bin LAB_HOST=lab-a\n');
});

describe('the Debian mirror the lab image is built from', () => {
  const deb822 = {
    file: '/etc/apt/sources.list.d/debian.sources',
    text: [
      'Types: deb',
      'URIs: http://mirror.example/debian/',
      'Suites: bookworm bookworm-updates',
      'Components: main',
      '',
      'Types: deb',
      'URIs: http://mirror.example/debian-security',
      'Suites: bookworm-security',
      'Components: main',
    ].join('\n'),
  };

  test("comes from the machine's own apt sources, deb822 or one-line", () => {
    expect(labMirror({}, [deb822])).toBe('http://mirror.example/debian');
    const oneLine = {
      file: '/etc/apt/sources.list',
      text: '# deb http://old.example/debian bookworm main\ndeb [arch=amd64] http://one.example/debian bookworm main contrib\n',
    };
    expect(labMirror({}, [oneLine])).toBe('http://one.example/debian');
  });

  test('prefers the lab suite, skips security and disabled entries, else any release suite', () => {
    const security = {
      file: '/etc/apt/sources.list',
      text: 'deb http://sec.example/debian-security bookworm-security main\n',
    };
    const disabled = {
      file: '/etc/apt/sources.list.d/off.sources',
      text: 'Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n',
    };
    const trixie = { file: '/etc/apt/sources.list', text: 'deb http://t.example/debian trixie main\n' };
    expect(debianMirrorOf([security, disabled, trixie])).toBe('http://t.example/debian');
    expect(debianMirrorOf([trixie, deb822])).toBe('http://mirror.example/debian');
    expect(debianMirrorOf([security, disabled])).toBeUndefined();
  });

  test('the environment variable overrides; without any source the error says what to do', () => {
    expect(labMirror({ [MIRROR_ENV]: 'http://override.example/debian' }, [deb822])).toBe(
      'http://override.example/debian',
    );
    expect(() => labMirror({}, [])).toThrow(
      `No Debian archive for the lab image was found in this machine's apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/): add one, or set ${MIRROR_ENV} to a Debian mirror's URL.`,
    );
  });

  test('this machine has one (the build would fail otherwise)', () => {
    expect(labMirror({}, readAptSources())).toMatch(/^(https?|file):\/\//);
  });
});

test('build progress counts the packages debootstrap fetched, unpacked and configured', () => {
  const log = [
    'I: Retrieving InRelease',
    'I: Retrieving Packages',
    'I: Retrieving adduser 3.134',
    'I: Validating adduser 3.134',
    'I: Retrieving apt 2.6.1',
    'I: Extracting adduser...',
    'I: Unpacking apt...',
    'I: Configuring adduser...',
  ].join('\n');
  expect(buildProgress(log)).toEqual({ retrieved: 2, unpacked: 2, configured: 1 });
});
