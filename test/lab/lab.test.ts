/**
 * The lab itself: real sshd processes, per-host filesystems, shared directories and mounts.
 * Needs root (node test/lab/require-prerequisites.mjs checks it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mountPoints } from './mounts';
import {
  DEFAULT_HOST_NAMES,
  hostPath,
  installEmulator,
  LabInventory,
  readInventory,
  resetHost,
  resetLab,
  runOnHost,
  runOnHostAsync,
  startLab,
  stopLab,
} from './lab';

jest.setTimeout(120_000);

let inventory: LabInventory;

/** Runs a command and fails the test with its output unless it exits 0. */
function ok(host: string, command: string): string {
  const r = runOnHost(host, command);
  if (r.code !== 0) throw new Error(`${host}: "${command}" exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Restarts keep whatever hosts the running lab has (other test files may have asked for more). */
const sameHosts = (): string[] => inventory.hosts.map((h) => h.name);

beforeAll(async () => {
  inventory = await startLab();
  resetLab();
});

afterAll(() => {
  // Leave the lab running (later test files reuse it) but clean.
  resetLab();
});

test('inventory describes every default host on its own loopback address', () => {
  expect(inventory.hosts.map((h) => [h.name, h.address, h.port, h.user])).toEqual(
    DEFAULT_HOST_NAMES.map((name, i) => [name, `127.0.0.${11 + i}`, 2222, 'root']),
  );
  expect(inventory.hosts).toHaveLength(7);
  for (const h of inventory.hosts) expect(h.hostKeySha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  expect(fs.statSync(inventory.clientKeyPath).mode & 0o777).toBe(0o600);
  expect(readInventory()).toEqual(inventory);
});

test('every host answers over SSH with the client key, as itself', () => {
  for (const h of inventory.hosts) {
    expect(ok(h.name, 'echo ok; id -u; cat /etc/hostname; hostname')).toBe(`ok\n0\n${h.name}\n${h.name}\n`);
  }
});

test('the system ssh client connects with the key alone and strict host key checking', () => {
  const r = spawnSync(
    'ssh',
    [
      '-F',
      'none',
      '-i',
      inventory.clientKeyPath,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${inventory.knownHostsPath}`,
      '-p',
      '2222',
      'root@127.0.0.13',
      'cat /etc/hostname',
    ],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('lab-c\n');
});

test('the host key fingerprint in the inventory is the one the server presents', () => {
  for (const h of inventory.hosts) {
    const scan = spawnSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(h.port), h.address], {
      encoding: 'utf8',
    });
    const fp = spawnSync('ssh-keygen', ['-lf', '-'], { input: scan.stdout, encoding: 'utf8' });
    expect(fp.stdout.split(' ')[1]).toBe(h.hostKeySha256);
  }
});

test('each host has its own /etc', () => {
  ok('lab-a', 'echo only-a > /etc/lab-marker');
  expect(fs.readFileSync(hostPath('lab-a', '/etc/lab-marker'), 'utf8')).toBe('only-a\n');
  expect(runOnHost('lab-b', 'test -e /etc/lab-marker').code).toBe(1);
  expect(fs.existsSync('/etc/lab-marker')).toBe(false);
});

test('useradd on one host changes only that host', () => {
  ok('lab-b', 'useradd -u 4321 x');
  expect(ok('lab-b', 'getent passwd x')).toMatch(/^x:x:4321:/);
  expect(runOnHost('lab-a', 'getent passwd x').code).toBe(2);
  expect(fs.readFileSync('/etc/passwd', 'utf8')).not.toMatch(/^x:/m);
  expect(ok('lab-b', 'getent group x')).toMatch(/^x:x:4321:/);
});

test('an emulator installed on one host comes first on PATH there and nowhere else', () => {
  const file = installEmulator('lab-b', 'nodetool', '#!/bin/sh\necho "emulated nodetool $*"\n');
  expect(file).toBe(hostPath('lab-b', '/lab/bin/nodetool'));
  expect(ok('lab-b', 'echo $PATH; command -v nodetool; nodetool status')).toBe(
    '/lab/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n/lab/bin/nodetool\nemulated nodetool status\n',
  );
  // Shadows a real command too, also for login shells (/etc/profile resets PATH).
  installEmulator('lab-b', 'stat', '#!/bin/sh\necho fake-stat\n');
  expect(ok('lab-b', 'bash -lc "stat /"')).toBe('fake-stat\n');
  expect(runOnHost('lab-a', 'command -v nodetool').code).toBe(1);
});

test('/lab/shared is one directory for all hosts', () => {
  ok('lab-c', 'echo ring > /lab/shared/state');
  for (const h of inventory.hosts) expect(ok(h.name, 'cat /lab/shared/state')).toBe('ring\n');
});

test('a bind mount inside a host shares files and flock locks with another host', async () => {
  ok('lab-a', 'mkdir -p /srv/x && echo exported > /srv/x/data');
  for (const client of ['lab-b', 'lab-c'])
    ok(client, 'mkdir -p /mnt/x && mount --bind /lab/hosts/lab-a/srv/x /mnt/x');
  expect(ok('lab-b', 'cat /mnt/x/data')).toBe('exported\n');
  ok('lab-c', 'echo from-c > /mnt/x/from-c');
  expect(fs.readFileSync(hostPath('lab-a', '/srv/x/from-c'), 'utf8')).toBe('from-c\n');

  const holder = runOnHostAsync('lab-b', 'flock -x /mnt/x/data -c "touch /mnt/x/held; sleep 2"');
  const held = hostPath('lab-a', '/srv/x/held');
  for (let i = 0; i < 200 && !fs.existsSync(held); i++) await new Promise((r) => setTimeout(r, 25));
  expect(fs.existsSync(held)).toBe(true);
  expect(runOnHost('lab-c', 'flock -x -n /mnt/x/data true').code).toBe(1);
  expect((await holder).code).toBe(0);
  expect(runOnHost('lab-c', 'flock -x -n /mnt/x/data true').code).toBe(0);
});

test('resetHost removes mounts and changes without restarting sshd', () => {
  const lab = inventory.hosts.find((h) => h.name === 'lab-b')!;
  const pidBefore = fs.readFileSync(`${inventory.baseDir}/sshd/lab-b.pid`, 'utf8');
  ok(
    'lab-b',
    'mkdir -p /mnt/y /opt/app && mount --bind /lab/hosts/lab-a/srv /mnt/y && touch /opt/app/f && useradd -u 4322 y',
  );
  installEmulator('lab-b', 'vendor-cli', '#!/bin/sh\n');
  ok('lab-b', 'mkdir -p /mnt/x && mountpoint -q /mnt/x || mount --bind /lab/hosts/lab-a/srv/x /mnt/x');

  resetHost('lab-b');

  expect(mountPoints().filter((m) => m.startsWith(`${lab.root}/mnt`))).toEqual([]);
  expect(ok('lab-b', 'ls -A /mnt /opt /lab/bin; getent passwd y || echo no-user')).toBe(
    '/lab/bin:\n\n/mnt:\n\n/opt:\nno-user\n',
  );
  expect(fs.readFileSync(`${inventory.baseDir}/sshd/lab-b.pid`, 'utf8')).toBe(pidBefore);
  // The exported files themselves are lab-a's, untouched by resetting a client.
  expect(fs.readFileSync(hostPath('lab-a', '/srv/x/data'), 'utf8')).toBe('exported\n');
});

test('SFTP works inside the chroot', () => {
  fs.writeFileSync('/tmp/lab-sftp-upload.txt', 'uploaded\n');
  const r = spawnSync('sftp', ['-F', inventory.sshConfigPath, '-b', '-', 'lab-c'], {
    input: 'put /tmp/lab-sftp-upload.txt /srv/uploaded.txt\n',
    encoding: 'utf8',
  });
  fs.rmSync('/tmp/lab-sftp-upload.txt');
  expect(r.status).toBe(0);
  expect(fs.readFileSync(hostPath('lab-c', '/srv/uploaded.txt'), 'utf8')).toBe('uploaded\n');
});

test('many connections at once are all accepted', async () => {
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) => runOnHostAsync('lab-d', `sleep 0.5; echo ${i}`)),
  );
  expect(results.map((r) => r.stdout)).toEqual(results.map((_, i) => `${i}\n`));
});

test('a host works as a jump host for another', () => {
  const r = spawnSync(
    'ssh',
    [
      '-F',
      inventory.sshConfigPath,
      '-J',
      'root@127.0.0.11:2222',
      'root@127.0.0.12',
      '-p',
      '2222',
      'cat /etc/hostname',
    ],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('lab-b\n');
});

test('resetLab empties /lab/shared and restores every host', () => {
  ok('lab-d', 'echo x > /lab/shared/y && echo z > /root/z');
  resetLab();
  expect(fs.readdirSync(`${inventory.baseDir}/shared`)).toEqual([]);
  expect(runOnHost('lab-d', 'test -e /root/z').code).toBe(1);
  expect(runOnHost('lab-a', 'test -e /etc/lab-marker').code).toBe(1);
});

test('startLab recovers a half-broken lab: a dead sshd, a missing mount, a stale mount', async () => {
  const lab = readInventory();
  const pid = Number(fs.readFileSync(`${lab.baseDir}/sshd/lab-c.pid`, 'utf8'));
  process.kill(pid, 'SIGKILL');
  spawnSync('umount', [`${lab.hosts[3].root}/proc`]);
  ok('lab-a', 'mkdir -p /mnt/stale && mount --bind /lab/shared /mnt/stale');

  await startLab({ hostNames: sameHosts() });

  expect(mountPoints().filter((m) => m.endsWith('/mnt/stale'))).toEqual([]);
  for (const h of lab.hosts)
    expect(ok(h.name, 'test -r /proc/self/status && cat /etc/hostname')).toBe(`${h.name}\n`);
});

test('stopLab unmounts everything; startLab starts again (cold) and then reuses it (warm)', async () => {
  stopLab();
  expect(mountPoints().filter((m) => m.startsWith(`${inventory.baseDir}/`))).toEqual([]);
  expect(runOnHost('lab-a', 'true').code).toBe(255);

  let started = Date.now();
  const again = await startLab({ hostNames: sameHosts() });
  const coldMs = Date.now() - started;
  started = Date.now();
  await startLab({ hostNames: sameHosts() });
  const warmMs = Date.now() - started;
  console.log(`startLab: cold ${coldMs} ms, warm ${warmMs} ms`);

  expect(again.hosts.map((h) => h.hostKeySha256)).toEqual(inventory.hosts.map((h) => h.hostKeySha256));
  for (const h of again.hosts) expect(ok(h.name, 'cat /etc/hostname')).toBe(`${h.name}\n`);
  expect(warmMs).toBeLessThan(coldMs);
});
