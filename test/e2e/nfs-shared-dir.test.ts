/**
 * NfsSharedDir end to end: real terraform, the bundled runner, real sshd lab hosts, the NFS
 * emulator (exportfs on the server; mount, umount and findmnt on the clients, with the export
 * directory bind-mounted at each client's mount point so data and locks are really shared).
 * Hosts: lab-c (server), lab-d and lab-e (clients).
 */
import { labHostProps } from '../support/lab-hosts';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NfsSharedDir, NfsSharedDirProps } from '../../index';
import type { HostProps } from '../../index';
import type { StepReport } from '../../src/runner/execute-step';
import { installNfsClientEmulator, installNfsServerEmulator } from '../lab/emulators/nfs/install';
import { hostPath, LabHost, LabInventory, resetHost, runOnHost, startLab } from '../lab/lab';
import { apply, destroy, init, stateResources, synthStack, timed } from '../support/terraform';

jest.setTimeout(300_000);

const SERVER = 'lab-c';
const CLIENTS = ['lab-d', 'lab-e'];
const HOSTS = [SERVER, ...CLIENTS];
const MOUNT = '/DASharedRepo';
const EXPORT = '/srv/da-shared';

/** An fstab with lines the construct must keep byte for byte: comments, tabs, odd spacing, a neighbour mount point. */
const FSTAB = [
  '# /etc/fstab: static file system information.',
  '#',
  '# <file system>\t<mount point>\t<type>\t<options>\t<dump>\t<pass>',
  'UUID=0a1b2c3d-aaaa-bbbb-cccc-0123456789ab /               ext4    errors=remount-ro 0       1',
  '#10.0.0.99:/old-share  /DASharedRepo  nfs  defaults  0 0',
  '/dev/vdb1\t/DASharedRepo2\txfs\tdefaults,nofail\t0\t2   ',
  'tmpfs /run/shm tmpfs defaults,size=64m 0 0',
  '',
].join('\n');

let lab: LabInventory;

const labHost = (name: string): LabHost => lab.hosts.find((h) => h.name === name)!;
const hostProps = (name: string): HostProps => labHostProps(lab, labHost(name));

const sharedDirProps = (extra: Partial<NfsSharedDirProps> = {}): NfsSharedDirProps => ({
  serverHost: hostProps(SERVER),
  exportPath: EXPORT,
  mountPath: MOUNT,
  clients: CLIENTS.map(hostProps),
  owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
  idmapDomain: 'lab.example',
  serverNfsV4Only: true,
  ...extra,
});

async function synthAndInit(props: NfsSharedDirProps): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nfs-e2e-'));
  const dir = synthStack((s) => new NfsSharedDir(s, 'Shared', props), { outdir, engine: 'terraform_data' });
  await init(dir);
  return dir;
}

const outcomes = (reports: readonly StepReport[]) =>
  Object.fromEntries(reports.map((r) => [r.step, r.outcome]));
const read = (host: string, p: string) => fs.readFileSync(hostPath(host, p), 'utf8');
const ok = (host: string, command: string): string => {
  const r = runOnHost(host, command);
  if (r.code !== 0) throw new Error(`${host}: "${command}" exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
};
const findmntOptions = (host: string) =>
  JSON.parse(ok(host, `findmnt -J -o TARGET,SOURCE,FSTYPE,OPTIONS --mountpoint ${MOUNT}`)).filesystems[0];

/** Every file, directory and link in a host's writable part with its content, mode and owner; and its mount points. */
function snapshot(host: string): Record<string, string> {
  const root = hostPath(host, '/');
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = full.slice(root.length - 1);
      // The lab's own: the image's /usr, kernel filesystems, emulators, and sshd's log of our logins.
      if (['/usr', '/dev', '/proc', '/sys', '/lab', '/var/log/lab-sshd.log'].includes(rel)) continue;
      const st = fs.lstatSync(full);
      const meta = `${st.mode.toString(8)} ${st.uid}:${st.gid}`;
      if (entry.isSymbolicLink()) out[rel] = `${meta} -> ${fs.readlinkSync(full)}`;
      else if (entry.isDirectory()) {
        out[rel] = `${meta} dir`;
        walk(full);
      } else if (entry.isFile())
        out[rel] = `${meta} ${createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`;
    }
  };
  walk(root);
  out['mounts'] = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m && m.startsWith(root))
    .sort()
    .join(' ');
  return out;
}

beforeAll(async () => {
  lab = await startLab();
});

beforeEach(() => {
  HOSTS.forEach(resetHost);
  // A reset restores the usual writable directories only; the mount point is a top-level one.
  for (const client of CLIENTS) fs.rmSync(hostPath(client, MOUNT), { recursive: true, force: true });
  installNfsServerEmulator(SERVER);
  CLIENTS.forEach(installNfsClientEmulator);
  for (const client of CLIENTS) fs.writeFileSync(hostPath(client, '/etc/fstab'), FSTAB);
});

afterAll(() => {
  HOSTS.forEach(resetHost);
  for (const client of CLIENTS) fs.rmSync(hostPath(client, MOUNT), { recursive: true, force: true });
});

describe('NfsSharedDir on lab hosts', () => {
  it('sets up, verifies, and changes nothing on a second deploy', async () => {
    const dir = await synthAndInit(sharedDirProps());
    const first = await timed('first deploy', apply(dir));
    expect(first.code).toBe(0);
    expect(outcomes(first.reports)).toEqual({
      preflight: 'ok',
      server: 'changed',
      'client-lab-d': 'changed',
      'client-lab-e': 'changed',
      verify: 'ok',
    });
    expect(first.reports.map((r) => r.step).indexOf('preflight')).toBe(0);
    expect(first.reports.at(-1)!.step).toBe('verify');

    // The server: directory, export file, applied table, NFSv4 only, ID mapping.
    expect(ok(SERVER, `stat -c '%u:%g %a' ${EXPORT}`)).toBe('4500:4500 770\n');
    expect(read(SERVER, '/etc/exports.d/cdktf-failover-srv-da-shared.exports').split('\n')[1]).toBe(
      `${EXPORT} 198.18.0.14(rw,sync,no_subtree_check,root_squash,sec=sys) 198.18.0.15(rw,sync,no_subtree_check,root_squash,sec=sys)`,
    );
    expect(ok(SERVER, 'exportfs -v')).toBe(
      `${EXPORT}\t198.18.0.14(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)\n${EXPORT}\t198.18.0.15(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)\n`,
    );
    // Debian's own nfs.conf (from nfs-common in the lab image) keeps every byte but the one key.
    const shipped = fs.readFileSync(path.join(lab.imageRootfs, 'etc/nfs.conf'), 'utf8');
    expect(read(SERVER, '/etc/nfs.conf')).toBe(shipped.replace(/^\[nfsd\]\n/m, '[nfsd]\nvers3 = n\n'));
    expect(read(SERVER, '/var/lib/lab-nfs/nfs-server.log').trim().split('\n')).toHaveLength(1);
    // Debian's idmapd.conf: the domain added after [General]'s last key, every other line (comments too) kept.
    const idmapd = fs.readFileSync(path.join(lab.imageRootfs, 'etc/idmapd.conf'), 'utf8');
    expect(read(SERVER, '/etc/idmapd.conf')).toBe(
      idmapd.replace('Verbosity = 0\n', 'Verbosity = 0\nDomain = lab.example\n'),
    );

    // The clients: owner with exact IDs, fstab with every other line kept, an NFSv4.1 mount.
    for (const client of CLIENTS) {
      expect(ok(client, 'getent passwd dauser; getent group dauser')).toMatch(
        /^dauser:x:4500:4500:.*\ndauser:x:4500:\n$/,
      );
      expect(read(client, '/etc/fstab')).toBe(
        `${FSTAB}198.18.0.13:${EXPORT} ${MOUNT} nfs4 vers=4.1,hard,proto=tcp,_netdev 0 0\n`,
      );
      expect(read(client, '/etc/idmapd.conf')).toContain('Domain = lab.example');
      const mount = findmntOptions(client);
      expect(mount).toMatchObject({ target: MOUNT, source: `198.18.0.13:${EXPORT}`, fstype: 'nfs4' });
      expect(mount.options.split(',')).toEqual(
        expect.arrayContaining(['vers=4.1', 'hard', 'proto=tcp', 'local_lock=none']),
      );
    }
    // The share is one directory: written as the owner on one client, read on the other and on the server.
    ok('lab-d', `setpriv --reuid=4500 --regid=4500 --clear-groups -- sh -c 'echo kahadb > ${MOUNT}/db.data'`);
    expect(ok('lab-e', `cat ${MOUNT}/db.data; stat -c '%u:%g' ${MOUNT}/db.data`)).toBe('kahadb\n4500:4500\n');
    expect(read(SERVER, `${EXPORT}/db.data`)).toBe('kahadb\n');
    // The verification cleaned up after itself (the lock file stays on purpose).
    expect(fs.readdirSync(hostPath(SERVER, EXPORT)).sort()).toEqual([
      '.cdktf-failover-lock-check',
      'db.data',
    ]);

    const before = Object.fromEntries(HOSTS.map((h) => [h, snapshot(h)]));
    const second = await timed('second deploy', apply(dir));
    expect(second.code).toBe(0);
    expect(second.output).toContain('No changes.');
    expect(second.reports).toEqual([]);
    expect(Object.fromEntries(HOSTS.map((h) => [h, snapshot(h)]))).toEqual(before);

    // Every step run again finds the hosts as wanted.
    const forced = await timed(
      'forced re-run of every step',
      apply(dir, { extraArgs: (await stateResources(dir)).map((r) => `-replace=${r}`) }),
    );
    expect(forced.code).toBe(0);
    expect(outcomes(forced.reports)).toEqual({
      preflight: 'ok',
      server: 'ok',
      'client-lab-d': 'ok',
      'client-lab-e': 'ok',
      verify: 'ok',
    });
  });

  it('fails the lock verification on a client mounted with local_lock=all, then mounts it again (never remounts)', async () => {
    const dir = await synthAndInit(sharedDirProps());
    expect((await apply(dir)).code).toBe(0);
    // Someone mounts the share on lab-e with local locks.
    ok(
      'lab-e',
      `umount ${MOUNT} && mount -t nfs4 -o vers=4.1,hard,proto=tcp,local_lock=all 198.18.0.13:${EXPORT} ${MOUNT}`,
    );
    const resources = await stateResources(dir);
    const only = (id: string) => resources.filter((r) => r.includes(`_${id}_`)).map((r) => `-replace=${r}`);

    const verify = await apply(dir, { extraArgs: only('verify') });
    expect(verify.code).not.toBe(0);
    const failed = verify.reports.find((r) => r.step === 'verify')!;
    expect(failed.outcome).toBe('failed');
    expect(failed.reason).toContain(
      'lab-e: the lock check fails because locks are local to this client (mount options include local_lock=all): an exclusive lock held here is not seen by the other clients, so two brokers could both hold the KahaDB lock',
    );
    expect(failed.reason).not.toContain('lab-d:');

    // The client step unmounts and mounts again; a remount would keep local_lock=all.
    const fixed = await apply(dir, { extraArgs: [...only('client-lab-e'), ...only('verify')] });
    expect(fixed.code).toBe(0);
    const client = fixed.reports.find((r) => r.step === 'client-lab-e')!;
    expect(client.outcome).toBe('changed');
    expect(client.actions.at(-1)).toMatchObject({
      outcome: 'changed',
      detail: expect.stringContaining(
        'unmounted and mounted again (locks are local to this client (mount options include local_lock=all))',
      ),
    });
    expect(findmntOptions('lab-e').options).toContain('local_lock=none');
    expect(outcomes(fixed.reports).verify).toBe('ok');
  });

  it('applies the exports again when the server no longer exports the share', async () => {
    const dir = await synthAndInit(sharedDirProps());
    expect((await apply(dir)).code).toBe(0);
    ok(SERVER, 'exportfs -ua');
    const server = (await stateResources(dir))
      .filter((r) => r.includes('_server_'))
      .map((r) => `-replace=${r}`);
    const run = await apply(dir, { extraArgs: server });
    expect(run.code).toBe(0);
    expect(run.reports.find((r) => r.step === 'server')!.actions.at(-1)).toEqual({
      action: `export table lists ${EXPORT} for lab-d, lab-e`,
      outcome: 'changed',
      detail: `exportfs -ra (the table does not export ${EXPORT})`,
    });
    expect(ok(SERVER, 'exportfs')).toBe(`${EXPORT}\t198.18.0.14\n${EXPORT}\t198.18.0.15\n`);
  });

  it('fails when the clients do not really share one directory: data and locks are checked, not assumed', async () => {
    // One name, two servers: lab-d resolves nfs-share to lab-c, lab-e to lab-d. Both mounts look right.
    installNfsServerEmulator('lab-d');
    for (const server of [SERVER, 'lab-d']) {
      ok(
        server,
        "mkdir -p /etc/exports.d /srv/nas && chown 4600:4600 /srv/nas && chmod 770 /srv/nas && echo '/srv/nas 198.18.0.0/24(rw,sync,no_subtree_check)' > /etc/exports.d/nas.exports && exportfs -ra",
      );
    }
    fs.appendFileSync(hostPath('lab-d', '/etc/hosts'), '198.18.0.13\tnfs-share\n');
    fs.appendFileSync(hostPath('lab-e', '/etc/hosts'), '198.18.0.14\tnfs-share\n');
    const props = sharedDirProps({
      serverHost: undefined,
      exportPath: undefined,
      serverNfsV4Only: false,
      existingExport: 'nfs-share:/srv/nas',
      owner: { user: 'nasuser', uid: 4600, group: 'nasgrp', gid: 4600 },
    });
    const run = await apply(await synthAndInit(props));
    expect(run.code).not.toBe(0);
    expect(outcomes(run.reports)).toEqual({
      preflight: 'ok',
      'client-lab-d': 'changed',
      'client-lab-e': 'changed',
      verify: 'failed',
    });
    const reason = run.reports.find((r) => r.step === 'verify')!.reason!;
    expect(reason.split('\n  - ')).toEqual([
      'the shared directory does not work as a shared KahaDB directory:',
      expect.stringMatching(
        /^lab-e: a file written on lab-d in \/DASharedRepo cannot be read \(exit 1: cat: .*No such file or directory\); the clients do not share the same directory$/,
      ),
      'lab-e obtained the exclusive lock on /DASharedRepo/.cdktf-failover-lock-check while lab-d held it: locks are not shared between the clients, so two brokers could both hold the KahaDB lock',
    ]);
  });

  it('catches a UID held by another user on one client in preflight and changes nothing on any host', async () => {
    ok('lab-e', 'useradd -u 4500 -N postgres');
    const before = Object.fromEntries(HOSTS.map((h) => [h, snapshot(h)]));
    const dir = await synthAndInit(sharedDirProps());
    const run = await apply(dir);
    expect(run.code).not.toBe(0);
    expect(run.reports.map((r) => [r.step, r.outcome])).toEqual([['preflight', 'failed']]);
    expect(run.reports[0].reason).toBe(
      "the shared directory cannot be set up yet; nothing was changed on any host:\n  - lab-e: UID 4500 belongs to user 'postgres', not 'dauser'; pick a free UID or change it there",
    );
    expect(run.output).toContain("lab-e: UID 4500 belongs to user 'postgres', not 'dauser'");
    expect(Object.fromEntries(HOSTS.map((h) => [h, snapshot(h)]))).toEqual(before);
  });

  it('reports every preflight problem of every host at once', async () => {
    ok('lab-d', `groupadd -g 4500 oracle && mkdir ${MOUNT} && touch ${MOUNT}/stray`);
    ok(SERVER, `mkdir -p /etc/exports.d ${EXPORT} && echo '${EXPORT} 10.9.9.9(rw)' > /etc/exports`);
    const before = Object.fromEntries(HOSTS.map((h) => [h, snapshot(h)]));
    const run = await apply(await synthAndInit(sharedDirProps()));
    expect(run.code).not.toBe(0);
    expect(run.reports[0].reason!.split('\n  - ').slice(1)).toEqual([
      `lab-c: /etc/exports line 1 already exports ${EXPORT} ("${EXPORT} 10.9.9.9(rw)"); remove that entry so the export lists exactly the clients given here`,
      "lab-d: GID 4500 belongs to group 'oracle', not 'dauser'; pick a free GID or change it there",
      `lab-d: ${MOUNT} holds 1 entry that the mounted share would hide; move it away or choose another mountPath`,
    ]);
    expect(Object.fromEntries(HOSTS.map((h) => [h, snapshot(h)]))).toEqual(before);
  });

  it('with removalPolicy "unmount", destroy removes the fstab line and the mount and keeps the data', async () => {
    const dir = await synthAndInit(sharedDirProps({ removalPolicy: 'unmount' }));
    expect((await apply(dir)).code).toBe(0);
    ok(
      'lab-d',
      `setpriv --reuid=4500 --regid=4500 --clear-groups -- sh -c 'echo keep > ${MOUNT}/metric-families.xml'`,
    );
    const removed = await destroy(dir);
    expect(removed.code).toBe(0);
    expect(outcomes(removed.reports)).toEqual({ 'unmount-lab-d': 'changed', 'unmount-lab-e': 'changed' });
    for (const client of CLIENTS) {
      expect(read(client, '/etc/fstab')).toBe(FSTAB);
      expect(runOnHost(client, `findmnt --mountpoint ${MOUNT}`).code).toBe(1);
      expect(fs.readdirSync(hostPath(client, MOUNT))).toEqual([]);
    }
    expect(read(SERVER, `${EXPORT}/metric-families.xml`)).toBe('keep\n');
    expect(fs.existsSync(hostPath(SERVER, '/etc/exports.d/cdktf-failover-srv-da-shared.exports'))).toBe(true);
  });

  it('mounts and verifies an existing export, and with "retain" destroy leaves everything', async () => {
    // A NAS stand-in: the export exists already; the construct only configures the clients.
    ok(
      SERVER,
      "mkdir -p /etc/exports.d /srv/nas && chown 4600:4600 /srv/nas && chmod 2770 /srv/nas && echo '/srv/nas 198.18.0.0/24(rw,sync,no_subtree_check)' > /etc/exports.d/nas.exports && exportfs -ra",
    );
    const props = sharedDirProps({
      serverHost: undefined,
      exportPath: undefined,
      serverNfsV4Only: false,
      existingExport: '198.18.0.13:/srv/nas',
      owner: { user: 'nasuser', uid: 4600, group: 'nasgrp', gid: 4600 },
      mode: '2770',
      nfsVersion: '4.2',
      mountOptions: ['noatime'],
    });
    const dir = await synthAndInit(props);
    const run = await apply(dir);
    expect(run.code).toBe(0);
    expect(outcomes(run.reports)).toEqual({
      preflight: 'ok',
      'client-lab-d': 'changed',
      'client-lab-e': 'changed',
      verify: 'ok',
    });
    expect(findmntOptions('lab-d').options.split(',')).toEqual(
      expect.arrayContaining(['noatime', 'vers=4.2']),
    );
    expect(read('lab-e', '/etc/fstab')).toBe(
      `${FSTAB}198.18.0.13:/srv/nas ${MOUNT} nfs4 vers=4.2,hard,proto=tcp,_netdev,noatime 0 0\n`,
    );
    const kept = await destroy(dir);
    expect(kept.code).toBe(0);
    expect(kept.reports).toEqual([]);
    expect(findmntOptions('lab-e').source).toBe('198.18.0.13:/srv/nas');
  });
});
