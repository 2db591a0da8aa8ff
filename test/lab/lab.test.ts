/**
 * The lab itself: hosts with their own root filesystem, network, DNS and TLS.
 * Needs root (node test/lab/require-prerequisites.mjs checks it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { mountPoints } from './mounts';
import {
  addHostAddress,
  blockBetween,
  blockTraffic,
  DEFAULT_HOST_NAMES,
  hostPath,
  installEmulator,
  LabInventory,
  lastStart,
  listeningSockets,
  readInventory,
  removeHostAddress,
  removeLabDnsRecord,
  resetHost,
  resetLab,
  runOnHost,
  runOnHostAsync,
  setLabDnsRecord,
  startLab,
  stopLab,
  unblockTraffic,
} from './lab';
import { parseSocketTable, renderFirewall } from './network';
import { serveTls, subjectAltNameExtension } from './tls';

jest.setTimeout(180_000);

let inventory: LabInventory;

/** Runs a command and fails the test with its output unless it exits 0. */
function ok(host: string, command: string): string {
  const r = runOnHost(host, command);
  if (r.code !== 0) throw new Error(`${host}: "${command}" exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const address = (name: string): string => inventory.hosts.find((h) => h.name === name)!.address;

/** Restarts keep whatever hosts the running lab has (other test files may have asked for more). */
const sameHosts = (): string[] => inventory.hosts.map((h) => h.name);

beforeAll(async () => {
  inventory = await startLab();
  await resetLab();
});

afterAll(async () => {
  // Leave the lab running (later test files reuse it) but clean.
  await resetLab();
});

test('inventory describes every default host on its own address in 198.18.0.0/24, sshd on port 22', () => {
  // The default hosts first; a lab started with more (the benchmark's ten) is reused as it is.
  expect(inventory.hosts.slice(0, DEFAULT_HOST_NAMES.length).map((h) => h.name)).toEqual(DEFAULT_HOST_NAMES);
  expect(inventory.hosts.map((h) => [h.address, h.port, h.user])).toEqual(
    inventory.hosts.map((_, i) => [`198.18.0.${11 + i}`, 22, 'root']),
  );
  for (const h of inventory.hosts) expect(h.hostKeySha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  expect(fs.statSync(inventory.clientKeyPath).mode & 0o777).toBe(0o600);
  expect(readInventory()).toEqual(inventory);
});

test('every host answers over SSH with the client key, as itself, from its own network', () => {
  for (const h of inventory.hosts) {
    expect(
      ok(
        h.name,
        "echo ok; id -u; cat /etc/hostname; hostname; ip -4 -o addr show dev eth0 | awk '{print $4}'",
      ),
    ).toBe(`ok\n0\n${h.name}\n${h.name}\n${h.address}/24\n`);
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
      `root@${address('lab-c')}`,
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

test("a host cannot see another host's files, and runs from its own root filesystem", () => {
  ok('lab-a', 'echo only-a > /etc/lab-marker && mkdir -p /srv/a && echo private > /srv/a/data');
  expect(fs.readFileSync(hostPath('lab-a', '/etc/lab-marker'), 'utf8')).toBe('only-a\n');
  // Not at the same path, and nowhere else in lab-b's filesystem either.
  expect(runOnHost('lab-b', 'test -e /etc/lab-marker').code).toBe(1);
  expect(
    ok('lab-b', 'grep -rls --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev only-a / || echo none'),
  ).toBe('none\n');
  expect(fs.existsSync('/etc/lab-marker')).toBe(false);
  // The root is the image's overlay, not this machine's /.
  expect(ok('lab-b', 'findmnt -n -o FSTYPE /')).toBe('overlay\n');
});

test('a program present on this machine is absent inside every host', () => {
  const machine = spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' });
  expect(machine.status).toBe(0);
  for (const h of inventory.hosts) {
    expect(runOnHost(h.name, 'command -v terraform || test -e ' + machine.stdout.trim()).code).toBe(1);
  }
  // ...while what the image's package list names is there.
  expect(ok('lab-a', 'command -v sshd mount.nfs4 python3 node openssl ping')).toMatch(/mount\.nfs4/);
});

test('each host has its own process table and hostname', () => {
  expect(ok('lab-a', 'ps -e -o comm= | sort -u | tr "\\n" " "')).not.toMatch(/\bnode\b|\bjest\b/);
  expect(ok('lab-a', 'cat /proc/1/comm')).toBe('tini\n');
});

test('useradd on one host changes only that host', () => {
  ok('lab-b', 'useradd -u 4321 x');
  expect(ok('lab-b', 'getent passwd x')).toMatch(/^x:x:4321:/);
  expect(runOnHost('lab-a', 'getent passwd x').code).toBe(2);
  expect(fs.readFileSync('/etc/passwd', 'utf8')).not.toMatch(/^x:/m);
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

test('TCP, UDP and ICMP between hosts are real', () => {
  const udp = runOnHostAsync('lab-b', 'timeout 5 nc -u -l -W 1 198.18.0.12 9999');
  const tcp = runOnHostAsync('lab-b', 'timeout 5 nc -l -N 198.18.0.12 9998');
  for (let i = 0; i < 100 && listeningSockets('lab-b').filter((s) => s.port >= 9998).length < 2; i++) {
    spawnSync('sleep', ['0.05']);
  }
  ok(
    'lab-a',
    'echo hello-udp | nc -u -w 1 -q 1 198.18.0.12 9999; echo hello-tcp | nc -N -w 2 198.18.0.12 9998',
  );
  return Promise.all([udp, tcp]).then(([u, t]) => {
    expect(u.stdout).toBe('hello-udp\n');
    expect(t.stdout).toBe('hello-tcp\n');
    expect(ok('lab-a', 'ping -c 1 -W 2 lab-b >/dev/null && echo up')).toBe('up\n');
  });
});

test('a blocked TCP port between two hosts makes a connect fail while other ports work', () => {
  const server = runOnHostAsync(
    'lab-d',
    "timeout 20 python3 -c \"import socket,time\nfor p in (7000,7001):\n s=socket.socket();s.setsockopt(1,2,1);s.bind(('0.0.0.0',p));s.listen();globals()['s%d'%p]=s\ntime.sleep(18)\"",
  );
  for (
    let i = 0;
    i < 100 && listeningSockets('lab-d').filter((s) => s.port === 7000 || s.port === 7001).length < 2;
    i++
  ) {
    spawnSync('sleep', ['0.05']);
  }
  const probe = (from: string, port: number): number =>
    runOnHost(from, `nc -z -w 1 ${address('lab-d')} ${port}`).code;
  expect(probe('lab-c', 7000)).toBe(0);
  blockTraffic({ from: 'lab-c', to: 'lab-d', protocol: 'tcp', port: 7000 });
  expect(probe('lab-c', 7000)).toBe(1);
  expect(probe('lab-c', 7001)).toBe(0);
  // Only traffic from lab-c: another host still connects.
  expect(probe('lab-e', 7000)).toBe(0);
  unblockTraffic({ from: 'lab-c', to: 'lab-d', protocol: 'tcp', port: 7000 });
  expect(probe('lab-c', 7000)).toBe(0);
  resetHost('lab-d');
  return server;
});

test('blocked UDP and ICMP between two hosts', () => {
  expect(runOnHost('lab-a', `ping -c 1 -W 1 ${address('lab-e')}`).code).toBe(0);
  blockBetween('lab-a', 'lab-e', 'icmp');
  expect(runOnHost('lab-a', `ping -c 1 -W 1 ${address('lab-e')}`).code).toBe(1);
  expect(runOnHost('lab-e', `ping -c 1 -W 1 ${address('lab-a')}`).code).toBe(1);
  expect(runOnHost('lab-b', `ping -c 1 -W 1 ${address('lab-e')}`).code).toBe(0);
  blockTraffic({ from: 'lab-a', to: 'lab-e', protocol: 'udp', port: 8301 });
  const listener = runOnHostAsync('lab-e', 'timeout 3 nc -u -l -W 1 8301');
  spawnSync('sleep', ['0.3']);
  ok('lab-a', `echo lost | nc -u -w 1 -q 1 ${address('lab-e')} 8301`);
  return listener.then((r) => {
    expect(r.stdout).toBe('');
    resetHost('lab-a');
    resetHost('lab-e');
    expect(runOnHost('lab-a', `ping -c 1 -W 1 ${address('lab-e')}`).code).toBe(0);
  });
});

test('an address added to a host answers ping from another host, and stops when removed', () => {
  const vip = '198.18.0.250';
  expect(runOnHost('lab-c', `ping -c 1 -W 1 ${vip}`).code).toBe(1);
  addHostAddress('lab-b', vip);
  expect(runOnHost('lab-c', `ping -c 1 -W 1 ${vip}`).code).toBe(0);
  // ARP answers with lab-b's interface.
  const mac = ok('lab-b', 'cat /sys/class/net/eth0/address').trim();
  expect(ok('lab-c', `arping -c 1 -w 2 -I eth0 ${vip}`)).toContain(mac.toUpperCase());
  // And services listening on all addresses answer on it.
  expect(ok('lab-c', `nc -z -w 2 ${vip} 22 && echo ssh`)).toBe('ssh\n');
  removeHostAddress('lab-b', vip);
  expect(runOnHost('lab-c', `ping -c 1 -W 1 ${vip}`).code).toBe(1);
});

test('what a host listens on', () => {
  const sockets = listeningSockets('lab-f');
  expect(sockets).toContainEqual({ protocol: 'tcp', address: '0.0.0.0', port: 22 });
  expect(sockets.filter((s) => s.port === 53)).toEqual([]);
});

test('a DNS record added through the helper resolves from inside every host; removed, it does not', async () => {
  await setLabDnsRecord('dms-pair.example.com', [address('lab-a'), address('lab-b')]);
  for (const h of inventory.hosts) {
    expect(ok(h.name, "getent ahostsv4 dms-pair.example.com | awk '{print $1}' | sort -u")).toBe(
      `${address('lab-a')}\n${address('lab-b')}\n`,
    );
  }
  expect(ok('lab-c', 'getent hosts lab-g').split(/\s+/)).toEqual([address('lab-g'), 'lab-g', '']);
  await removeLabDnsRecord('dms-pair.example.com');
  expect(runOnHost('lab-c', 'getent hosts dms-pair.example.com').code).toBe(2);
  // Nothing outside the lab is asked: an unknown name fails at once.
  const started = Date.now();
  expect(runOnHost('lab-c', 'getent hosts example.org').code).toBe(2);
  expect(Date.now() - started).toBeLessThan(5000);
});

test('a TLS endpoint presents the SANs the test chose', async () => {
  const vip = '198.18.0.251';
  addHostAddress('lab-c', vip);
  const endpoint = await serveTls('lab-c', { port: 8443, subjectAltNames: ['dms-pair.example.com', vip] });
  try {
    const san = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: vip, port: 8443, rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().subjectaltname ?? '');
        socket.end();
      });
      socket.once('error', reject);
    });
    expect(san).toBe(`DNS:dms-pair.example.com, IP Address:${vip}`);
    // From another host, over the lab network, too.
    expect(
      ok(
        'lab-d',
        `openssl s_client -connect ${vip}:8443 </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName`,
      ),
    ).toContain(`DNS:dms-pair.example.com, IP Address:${vip}`);
  } finally {
    endpoint.stop();
  }
  expect(() => subjectAltNameExtension(['a b'])).toThrow(/Not a DNS name/);
});

test("resetHost drops the host's layer: files, users, emulators, mounts, addresses, firewall, neighbours", () => {
  const lab = inventory.hosts.find((h) => h.name === 'lab-b')!;
  ok(
    'lab-b',
    'mkdir -p /mnt/y /opt/app && mount --bind /opt /mnt/y && touch /opt/app/f && useradd -u 4322 y',
  );
  installEmulator('lab-b', 'vendor-cli', '#!/bin/sh\n');
  addHostAddress('lab-b', '198.18.0.252');
  blockTraffic({ from: 'lab-a', to: 'lab-b', protocol: 'icmp' });
  ok('lab-b', 'ping -c 1 -W 1 198.18.0.13 >/dev/null');
  expect(ok('lab-b', 'ip neigh show 198.18.0.13')).toContain('lladdr');

  resetHost('lab-b');
  expect(ok('lab-b', 'ip neigh show 198.18.0.13')).toBe('');

  expect(mountPoints().filter((m) => m.startsWith(`${lab.root}/mnt`))).toEqual([]);
  expect(ok('lab-b', 'ls -A /mnt /opt /lab/bin; getent passwd y || echo no-user')).toBe(
    '/lab/bin:\n\n/mnt:\n\n/opt:\npowershell\nno-user\n',
  );
  expect(runOnHost('lab-c', 'ping -c 1 -W 1 198.18.0.252').code).toBe(1);
  expect(runOnHost('lab-a', `ping -c 1 -W 1 ${lab.address}`).code).toBe(0);
});

test('SFTP works', () => {
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
      `root@${address('lab-a')}`,
      `root@${address('lab-b')}`,
      'cat /etc/hostname',
    ],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('lab-b\n');
});

test('resetLab empties /lab/shared and restores every host', async () => {
  ok('lab-d', 'echo x > /lab/shared/y && echo z > /root/z');
  await resetLab();
  expect(fs.readdirSync(`${inventory.baseDir}/shared`)).toEqual([]);
  expect(runOnHost('lab-d', 'test -e /root/z').code).toBe(1);
  expect(runOnHost('lab-a', 'test -e /etc/lab-marker').code).toBe(1);
});

test('startLab recovers a half-broken lab: a dead host, a missing mount, a stale mount', async () => {
  const lab = readInventory();
  const holder = Number(fs.readFileSync(`${lab.baseDir}/run/lab-c.pid`, 'utf8'));
  process.kill(holder, 'SIGKILL');
  spawnSync('umount', [`${lab.hosts[3].root}/proc`]);
  ok('lab-a', 'mkdir -p /mnt/stale && mount --bind /lab/shared /mnt/stale');

  await startLab({ hostNames: sameHosts() });

  expect(mountPoints().filter((m) => m.endsWith('/mnt/stale'))).toEqual([]);
  for (const h of lab.hosts)
    expect(ok(h.name, 'test -r /proc/self/status && cat /etc/hostname')).toBe(`${h.name}\n`);
});

test('stopLab removes every mount and namespace; startLab starts again (cold) and then reuses it (warm)', async () => {
  stopLab();
  expect(mountPoints().filter((m) => m.startsWith(`${inventory.baseDir}/`))).toEqual([]);
  expect(
    fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns').filter((n) => n.startsWith('cfl-')) : [],
  ).toEqual([]);
  // A stopped lab's range goes nowhere: never out of the machine by the default route.
  expect(spawnSync('ip', ['route', 'get', inventory.hosts[0].address], { encoding: 'utf8' }).stderr).toMatch(
    /No route to host|unreachable/i,
  );
  const refusedAt = Date.now();
  expect(runOnHost('lab-a', 'true').code).toBe(255);
  expect(Date.now() - refusedAt).toBeLessThan(3000);

  const again = await startLab({ hostNames: sameHosts() });
  const cold = { ...lastStart };
  await startLab({ hostNames: sameHosts() });
  const warm = { ...lastStart };
  console.log(
    `startLab (${again.hosts.length} hosts): cold ${cold.totalMs} ms (image cached: ${cold.imageMs} ms), warm ${warm.totalMs} ms`,
  );
  expect(cold.reused).toBe(false);
  expect(warm.reused).toBe(true);
  expect(again.hosts.map((h) => h.hostKeySha256)).toEqual(inventory.hosts.map((h) => h.hostKeySha256));
  for (const h of again.hosts) expect(ok(h.name, 'cat /etc/hostname')).toBe(`${h.name}\n`);
});

test('pure helpers: firewall rules and socket tables', () => {
  expect(renderFirewall([{ fromAddress: '198.18.0.11', protocol: 'tcp', port: 7000 }])).toContain(
    'ip saddr 198.18.0.11 tcp dport 7000 drop',
  );
  expect(() => renderFirewall([{ fromAddress: '10.0.0.1', protocol: 'icmp' }])).toThrow(/not a lab address/);
  expect(() => renderFirewall([{ fromAddress: '198.18.0.11', protocol: 'udp' }])).toThrow(/needs a port/);
  const table =
    '  sl  local_address rem_address   st\n   0: 0B1212C6:1B58 00000000:0000 0A\n   1: 0B1212C6:1B59 0C1212C6:D431 01\n';
  expect(parseSocketTable('tcp', table)).toEqual([{ protocol: 'tcp', address: '198.18.18.11', port: 7000 }]);
  const v6 = '  sl\n   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A\n';
  expect(parseSocketTable('tcp', v6)).toEqual([{ protocol: 'tcp', address: '::', port: 22 }]);
});
