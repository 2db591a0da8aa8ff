import { readPackageList } from '../lab/image';
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
