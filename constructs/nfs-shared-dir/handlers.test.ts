/** NfsSharedDir's handlers fed with fact fixtures: what the host holds in, commands or a no-op out. */
import type { ActionContext } from '../../src/runner/action-handler';
import { CommandExecutor, RemoteHost } from '../../src/runner/remote-host';
import type { ExecResult } from '../../src/runner/ssh-session';
import { argvOf, FixtureExecutor, fixtureHost, ReceivedCommand } from '../../test/support/fixture-host';
import { LOCAL_HOST } from '../../test/support/local-executor';
import {
  EXPORT_TABLE_KIND,
  ExportTableAction,
  MOUNT_KIND,
  MountAction,
  PREFLIGHT_KIND,
  PreflightAction,
  UNMOUNT_KIND,
  UnmountAction,
  VERIFY_KIND,
  VerifyAction,
} from './actions';
import { READ_FILE_SCRIPT } from '../../src/dialect/posix';
import type { HostConfig } from '../../src/schema/host';
import {
  CLIENT_COMMANDS,
  DUMP_EXPORTS_FILES,
  HOLD_LOCK,
  HOST_FACTS,
  LOCK_CONFLICT_STATUS,
  TRY_LOCK,
  WAIT_FOR_FILE,
  WRITE_FILE,
} from './commands';
import { NFS_SHARED_DIR_HANDLERS } from './handlers';

const action: ExportTableAction = {
  kind: EXPORT_TABLE_KIND,
  description: 'the export table',
  exportPath: '/srv/da-shared',
  clients: ['198.18.0.14', '198.18.0.15'],
  options: ['rw', 'sync', 'no_subtree_check', 'root_squash', 'sec=sys'],
};

const TABLE =
  '/srv/da-shared\t198.18.0.14(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)\n' +
  '/srv/da-shared\t198.18.0.15(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)\n';

function context(host: RemoteHost, checkOnly = false): ActionContext {
  return { host, connect: async () => host, checkOnly, aboutToChange: async () => undefined };
}

/** A server whose table is `before` until `exportfs -ra` runs, then `after`. */
function server(before: string, after = TABLE) {
  let table = before;
  return fixtureHost(LOCAL_HOST, ({ argv }: ReceivedCommand) => {
    if (argv.join(' ') === 'exportfs -v') return { stdout: table };
    if (argv.join(' ') === 'exportfs -ra') return ((table = after), {});
    throw new Error(`unexpected command: ${argv.join(' ')}`);
  });
}

const exportTable = NFS_SHARED_DIR_HANDLERS[EXPORT_TABLE_KIND];

test('the table as wanted: one read, no change, and the report says why', async () => {
  const { host, executor } = server(TABLE);
  await expect(exportTable(action, context(host))).resolves.toEqual({
    changed: false,
    detail: 'the export table is as wanted',
  });
  expect(executor.received.map((c) => c.argv.join(' '))).toEqual(['exportfs -v']);
});

test('a client missing from the table: exportfs -ra, then the table read again', async () => {
  const { host, executor } = server(TABLE.split('\n')[0] + '\n');
  const result = await exportTable(action, context(host));
  expect(result.changed).toBe(true);
  expect(result.detail).toMatch(/^exportfs -ra \(the table .*198\.18\.0\.15/);
  expect(executor.received.map((c) => c.argv.join(' '))).toEqual([
    'exportfs -v',
    'exportfs -ra',
    'exportfs -v',
  ]);
});

test('check mode says what would run and runs nothing', async () => {
  const { host, executor } = server('');
  const result = await exportTable(action, context(host, true));
  expect(result).toMatchObject({ changed: true, detail: expect.stringMatching(/^would run exportfs -ra/) });
  expect(executor.received.map((c) => c.argv.join(' '))).toEqual(['exportfs -v']);
});

test('a table still wrong after exportfs -ra fails, saying where to look', async () => {
  const { host } = server('', '');
  await expect(exportTable(action, context(host))).rejects.toThrow(
    /exportfs -ra ran on local, but its export table still .*Check \/etc\/exports and \/etc\/exports.d/,
  );
});

// --- mount and unmount: the mount table at the mount point is the fact -------------------------

const SOURCE = '198.18.0.13:/srv/da-shared';
const MOUNT_PATH = '/DASharedRepo';
const mountAction: MountAction = {
  kind: MOUNT_KIND,
  description: 'the share is mounted',
  exportSource: SOURCE,
  mountPath: MOUNT_PATH,
  nfsVersion: '4.1',
  options: ['vers=4.1', 'hard', 'proto=tcp', '_netdev'],
  extraOptions: [],
};
const unmountAction: UnmountAction = {
  kind: UNMOUNT_KIND,
  description: 'the share is unmounted',
  exportSource: SOURCE,
  mountPath: MOUNT_PATH,
};

const WANTED_OPTIONS = 'rw,relatime,vers=4.1,rsize=1048576,hard,proto=tcp,timeo=600,sec=sys,local_lock=none';

/** findmnt's JSON for one mount at the mount point. */
const findmntJson = (source: string, fstype: string, options: string) =>
  JSON.stringify({ filesystems: [{ target: MOUNT_PATH, source, fstype, options }] });

interface ClientState {
  mounted?: string;
  /** What `mount` leaves mounted (undefined: the wanted share; null: nothing). */
  mountLeaves?: string | null;
  umount?: { code: number; stderr: string };
}

/** A client whose mount table is `state.mounted`; umount and mount change it. */
function client(state: ClientState, config = LOCAL_HOST) {
  return fixtureHost(config, ({ argv }: ReceivedCommand) => {
    const line = argv.join(' ');
    if (line === `findmnt -J -o TARGET,SOURCE,FSTYPE,OPTIONS --mountpoint ${MOUNT_PATH}`)
      return state.mounted === undefined ? { code: 1 } : { stdout: state.mounted };
    if (line === `umount ${MOUNT_PATH}`) {
      if (state.umount) return state.umount;
      delete state.mounted;
      return {};
    }
    if (argv[0] === 'mount') {
      if (state.mountLeaves === null) return {};
      state.mounted = state.mountLeaves ?? findmntJson(SOURCE, 'nfs4', WANTED_OPTIONS);
      return {};
    }
    throw new Error(`unexpected command: ${line}`);
  });
}

const FINDMNT = `findmnt -J -o TARGET,SOURCE,FSTYPE,OPTIONS --mountpoint ${MOUNT_PATH}`;
const MOUNT = `mount -t nfs4 -o vers=4.1,hard,proto=tcp,_netdev ${SOURCE} ${MOUNT_PATH}`;
const sent = (executor: { received: ReceivedCommand[] }) => executor.received.map((c) => c.argv.join(' '));

const mountShare = NFS_SHARED_DIR_HANDLERS[MOUNT_KIND];
const unmountShare = NFS_SHARED_DIR_HANDLERS[UNMOUNT_KIND];

describe('mount', () => {
  test('mounted as wanted: one read, no change, and the report says why', async () => {
    const { host, executor } = client({ mounted: findmntJson(SOURCE, 'nfs4', WANTED_OPTIONS) });
    await expect(mountShare(mountAction, context(host))).resolves.toEqual({
      changed: false,
      detail: 'the share is mounted with the wanted options',
    });
    expect(sent(executor)).toEqual([FINDMNT]);
  });

  test('nothing mounted: mount with the fstab options, then the mount table read again', async () => {
    const { host, executor } = client({});
    await expect(mountShare(mountAction, context(host))).resolves.toEqual({
      changed: true,
      detail: `mounted ${SOURCE} at ${MOUNT_PATH}`,
    });
    expect(sent(executor)).toEqual([FINDMNT, MOUNT, FINDMNT]);
  });

  test('mounted with local locks: unmounted and mounted again, never remounted', async () => {
    const state = { mounted: findmntJson(SOURCE, 'nfs4', `${WANTED_OPTIONS.replace('none', 'all')}`) };
    const { host, executor } = client(state);
    await expect(mountShare(mountAction, context(host))).resolves.toEqual({
      changed: true,
      detail:
        'unmounted and mounted again (locks are local to this client (mount options include local_lock=all))',
    });
    expect(sent(executor)).toEqual([FINDMNT, `umount ${MOUNT_PATH}`, MOUNT, FINDMNT]);
  });

  test('check mode says what would run and runs nothing', async () => {
    const { host, executor } = client({ mounted: findmntJson(SOURCE, 'nfs4', 'rw,vers=4.0,hard') });
    await expect(mountShare(mountAction, context(host, true))).resolves.toEqual({
      changed: true,
      detail: 'would unmount and mount again: the NFS version is 4.0, not 4.1',
    });
    await expect(mountShare(mountAction, context(client({}).host, true))).resolves.toEqual({
      changed: true,
      detail: 'would mount',
    });
    expect(sent(executor)).toEqual([FINDMNT]);
  });

  test('another filesystem on the mount point: refused, left mounted', async () => {
    const { host, executor } = client({ mounted: findmntJson('/dev/sdb1', 'ext4', 'rw,relatime') });
    await expect(mountShare(mountAction, context(host))).rejects.toThrow(
      `${MOUNT_PATH} on local is the mount point of /dev/sdb1 (ext4) now; unmount it there or choose another mountPath. It was left mounted.`,
    );
    expect(sent(executor)).toEqual([FINDMNT]);
  });

  test('a busy mount point: the failure says what to stop, and nothing is mounted over it', async () => {
    const { host, executor } = client({
      mounted: findmntJson(SOURCE, 'nfs4', 'rw,vers=4.1,hard,local_lock=all'),
      umount: { code: 32, stderr: `umount.nfs4: ${MOUNT_PATH}: device is busy` },
    });
    await expect(mountShare(mountAction, context(host))).rejects.toThrow(
      `cannot unmount ${MOUNT_PATH} on local to mount it again with the wanted options (locks are local to this client (mount options include local_lock=all)) (exit 32): umount.nfs4: ${MOUNT_PATH}: device is busy. Something still uses it: stop the application on that host (for a data aggregator, \`dadaemon stop\`), then deploy again.`,
    );
    expect(sent(executor)).toEqual([FINDMNT, `umount ${MOUNT_PATH}`]);
  });

  test('a mount that does not hold fails with what the mount table shows', async () => {
    await expect(mountShare(mountAction, context(client({ mountLeaves: null }).host))).rejects.toThrow(
      `mount reported success on local, but nothing is mounted at ${MOUNT_PATH}.`,
    );
    const soft = client({ mountLeaves: findmntJson(SOURCE, 'nfs4', 'rw,vers=4.1,soft') });
    await expect(mountShare(mountAction, context(soft.host))).rejects.toThrow(
      `${SOURCE} is mounted at ${MOUNT_PATH} on local, but it is not a hard mount (soft). Check that the server offers NFS 4.1 and accepts these options.`,
    );
  });

  test('findmnt output that is not its JSON names the host and the likely cause', async () => {
    const { host } = client({ mounted: 'TARGET SOURCE\n' });
    await expect(mountShare(mountAction, context(host))).rejects.toThrow(
      /^findmnt on local printed something that is not its JSON \(.*\); is util-linux's findmnt installed\?$/s,
    );
  });
});

describe('unmount (removal)', () => {
  test('nothing mounted, or another filesystem mounted: no change, and the report says why', async () => {
    const empty = client({});
    await expect(unmountShare(unmountAction, context(empty.host))).resolves.toEqual({
      changed: false,
      detail: `nothing is mounted at ${MOUNT_PATH}`,
    });
    const other = client({ mounted: findmntJson('198.18.0.20:/other', 'nfs4', WANTED_OPTIONS) });
    await expect(unmountShare(unmountAction, context(other.host))).resolves.toEqual({
      changed: false,
      detail: 'left 198.18.0.20:/other mounted: it is not this share',
    });
    expect([...sent(empty.executor), ...sent(other.executor)]).toEqual([FINDMNT, FINDMNT]);
  });

  test('the share mounted: umount, then the mount table read again; check mode runs nothing', async () => {
    const checked = client({ mounted: findmntJson(SOURCE, 'nfs4', WANTED_OPTIONS) });
    await expect(unmountShare(unmountAction, context(checked.host, true))).resolves.toEqual({
      changed: true,
      detail: 'would unmount',
    });
    expect(sent(checked.executor)).toEqual([FINDMNT]);
    const { host, executor } = client({ mounted: findmntJson(SOURCE, 'nfs4', WANTED_OPTIONS) });
    await expect(unmountShare(unmountAction, context(host))).resolves.toEqual({
      changed: true,
      detail: `unmounted ${SOURCE} from ${MOUNT_PATH}`,
    });
    expect(sent(executor)).toEqual([FINDMNT, `umount ${MOUNT_PATH}`, FINDMNT]);
  });

  test('a busy share: the failure says what to stop', async () => {
    const { host } = client({
      mounted: findmntJson(SOURCE, 'nfs4', WANTED_OPTIONS),
      umount: { code: 32, stderr: 'umount.nfs4: device is busy' },
    });
    await expect(unmountShare(unmountAction, context(host))).rejects.toThrow(
      `cannot unmount ${MOUNT_PATH} on local to remove the shared directory from this host (exit 32): umount.nfs4: device is busy. Something still uses it`,
    );
  });
});

// --- preflight: read-only, every host's facts gathered, every problem at once -------------------

const OWNER = { user: 'dauser', uid: 4500, group: 'dagroup', gid: 4500 };
const labHost = (name: string, address: string): HostConfig => ({ ...LOCAL_HOST, name, address });
const SERVER = labHost('lab-c', '198.18.0.13');
const LAB_D = labHost('lab-d', '198.18.0.14');
const LAB_E = labHost('lab-e', '198.18.0.15');
const EXPORTS_FILE = '/etc/exports.d/cdktf-failover-da-shared.exports';

const preflightAction: PreflightAction = {
  kind: PREFLIGHT_KIND,
  description: 'every host is ready',
  server: { host: SERVER, exportPath: '/srv/da-shared', exportsFile: EXPORTS_FILE, mode: '2770' },
  clients: [LAB_D, LAB_E],
  exportSource: SOURCE,
  mountPath: MOUNT_PATH,
  owner: OWNER,
};

interface PreflightHost {
  /** HOST_FACTS lines beyond os=Linux and an empty path. */
  facts?: string;
  mounted?: string;
  fstab?: string;
  exportsDump?: string;
}

/** A host answering the preflight's reads; `hostFacts` keeps the arguments HOST_FACTS received. */
function preflightHost(config: HostConfig, state: PreflightHost) {
  const hostFacts: string[][] = [];
  const fixture = fixtureHost(config, ({ argv }: ReceivedCommand) => {
    if (argv[0] === 'findmnt') return state.mounted === undefined ? { code: 1 } : { stdout: state.mounted };
    if (argv[2] === HOST_FACTS) {
      hostFacts.push(argv.slice(4));
      return { stdout: `os=Linux\n${state.facts ?? 'path=missing\n'}` };
    }
    if (argv[2] === READ_FILE_SCRIPT && argv[4] === '/etc/fstab')
      return state.fstab === undefined ? { code: 3 } : { stdout: state.fstab };
    if (argv[2] === DUMP_EXPORTS_FILES) return { stdout: state.exportsDump ?? '' };
    throw new Error(`unexpected command: ${argv.join(' ')}`);
  });
  return { ...fixture, hostFacts };
}

function connectTo(hosts: Record<string, { host: RemoteHost }>) {
  return async (config: HostConfig) => hosts[config.name!].host;
}

const preflight = NFS_SHARED_DIR_HANDLERS[PREFLIGHT_KIND];

describe('preflight', () => {
  test('every host ready: a round trip for the server, two per client (the mount first), nothing changed', async () => {
    const hosts = {
      'lab-c': preflightHost(SERVER, {
        exportsDump: `==> ${EXPORTS_FILE} <==\n/srv/da-shared 198.18.0.14(rw)\n`,
      }),
      'lab-d': preflightHost(LAB_D, { fstab: `${SOURCE} ${MOUNT_PATH} nfs4 vers=4.1 0 0\n` }),
      'lab-e': preflightHost(LAB_E, { mounted: findmntJson(SOURCE, 'nfs4', WANTED_OPTIONS) }),
    };
    const ctx = { ...context(hosts['lab-c'].host), connect: connectTo(hosts) };
    await expect(preflight(preflightAction, ctx)).resolves.toEqual({
      changed: false,
      detail: '3 hosts ready',
    });
    expect(Object.values(hosts).map((h) => h.traffic.roundTrips)).toEqual([1, 2, 2]);
    // A mount point's entries are counted only when nothing is mounted there.
    expect(hosts['lab-c'].hostFacts.map((args) => args.slice(5))).toEqual([['/srv/da-shared', 'count']]);
    expect(hosts['lab-d'].hostFacts.map((args) => args.slice(5))).toEqual([[MOUNT_PATH, 'count']]);
    expect(hosts['lab-e'].hostFacts.map((args) => args.slice(5))).toEqual([[MOUNT_PATH, '']]);
    expect(hosts['lab-e'].hostFacts[0][0]).toBe(CLIENT_COMMANDS.join(' '));
  });

  test("every host's problems at once, and nothing changed on any host", async () => {
    const hosts = {
      'lab-c': preflightHost(SERVER, {
        exportsDump: `==> /etc/exports <==\n/srv/da-shared *(rw)\n==> ${EXPORTS_FILE} <==\n/srv/da-shared 198.18.0.14(rw)\n`,
      }),
      'lab-d': preflightHost(LAB_D, {
        mounted: findmntJson('/dev/sdb1', 'ext4', 'rw'),
        fstab: `# data disk\n/dev/sdb1 ${MOUNT_PATH} ext4 defaults 0 2\n`,
      }),
      'lab-e': preflightHost(LAB_E, {
        facts:
          'passwd_uid=postgres:x:4500:4500::/var/lib/postgresql:/bin/sh\npath=directory\npath_entries=2\n',
      }),
    };
    const ctx = { ...context(hosts['lab-c'].host), connect: connectTo(hosts) };
    const failure = await preflight(preflightAction, ctx).catch((e: Error) => e.message);
    expect(String(failure).split('\n  - ')).toEqual([
      'the shared directory cannot be set up yet; nothing was changed on any host:',
      'lab-c: /etc/exports line 1 already exports /srv/da-shared ("/srv/da-shared *(rw)"); remove that entry so the export lists exactly the clients given here',
      `lab-d: ${MOUNT_PATH} is already the mount point of /dev/sdb1 (ext4); unmount it there or choose another mountPath`,
      `lab-d: /etc/fstab line 2 mounts /dev/sdb1 (ext4) at ${MOUNT_PATH}; remove that line or choose another mountPath`,
      "lab-e: UID 4500 belongs to user 'postgres', not 'dauser'; pick a free UID or change it there",
      `lab-e: ${MOUNT_PATH} holds 2 entries that the mounted share would hide; move them away or choose another mountPath`,
    ]);
    const sentEverywhere = Object.values(hosts).flatMap((h) => h.executor.received.map((c) => c.argv[0]));
    expect(new Set(sentEverywhere)).toEqual(new Set(['findmnt', 'sh']));
  });
});

// --- verify: mounts and ownership as facts; data and locks as a drill across clients -----------

const verifyAction: VerifyAction = {
  kind: VERIFY_KIND,
  description: 'the clients share the directory',
  clients: [LAB_D, LAB_E],
  exportSource: SOURCE,
  mountPath: MOUNT_PATH,
  nfsVersion: '4.1',
  extraOptions: [],
  owner: OWNER,
  mode: '2770',
  lockWaitSeconds: 5,
};

/** What a server holds for its clients: files in the share and who holds its lock. */
interface Share {
  readonly files: Map<string, string>;
  lockHolder?: string;
}

interface VerifyClient {
  mounted?: string;
  ownerAndMode?: { code?: number; stdout?: string; stderr?: string };
}

const execResult = (code: number, stdout = ''): ExecResult => ({
  code,
  stdout: Buffer.from(stdout),
  stderr: Buffer.alloc(0),
  durationMs: 1,
});

/**
 * A client of `share`: its persistent shell answers from fixtures; its channel of its own (the lock
 * holder's) holds the share's lock until the release file appears on the client.
 */
function shareClient(config: HostConfig, share: Share, state: VerifyClient) {
  const local = new Set<string>();
  let release: (() => void) | undefined;
  const inShare = (argv: string[]) => (argv[0] === 'setpriv' ? argv.slice(argv.indexOf('--') + 1) : argv);
  const shell = new FixtureExecutor(({ argv: raw }: ReceivedCommand) => {
    const argv = inShare(raw);
    const [program, ...args] = argv;
    if (program === 'findmnt') return state.mounted === undefined ? { code: 1 } : { stdout: state.mounted };
    if (program === 'stat' && args[1] === '%u:%g %a')
      return state.ownerAndMode ?? { stdout: `${OWNER.uid}:${OWNER.gid} 2770\n` };
    if (program === 'stat') return { stdout: `${OWNER.uid}:${OWNER.gid}\n` };
    if (argv[2] === WRITE_FILE) return (share.files.set(argv[4], `${argv[5]}\n`), {});
    if (program === 'cat')
      return share.files.has(args[1])
        ? { stdout: share.files.get(args[1]) }
        : { code: 1, stderr: `cat: ${args[1]}: No such file or directory` };
    if (program === 'rm') return (share.files.delete(args[2]), {});
    if (argv[2] === WAIT_FOR_FILE) return { code: local.has(argv[4]) ? 0 : 1 };
    if (argv[2] === TRY_LOCK) return { code: share.lockHolder ? LOCK_CONFLICT_STATUS : 0 };
    if (program === 'touch') return (local.add(args[1]), release?.(), {});
    throw new Error(`unexpected command on ${config.name}: ${argv.join(' ')}`);
  });
  const executor: CommandExecutor = {
    agent: () => shell.agent(),
    exec: async (line: string) => {
      // The command line carries `env LC_ALL=C` before the argv.
      const argv = inShare(argvOf(line).slice(2));
      if (argv[2] !== HOLD_LOCK) throw new Error(`unexpected command alongside: ${argv.join(' ')}`);
      share.lockHolder = config.name;
      local.add(argv[5]);
      await new Promise<void>((resolve) => (release = resolve));
      share.lockHolder = undefined;
      return execResult(0);
    },
  };
  return { host: new RemoteHost(config, executor), shell };
}

const verify = NFS_SHARED_DIR_HANDLERS[VERIFY_KIND];

async function runVerify(lab: Record<string, ReturnType<typeof shareClient>>) {
  return verify(verifyAction, { ...context(lab['lab-d'].host), connect: connectTo(lab) });
}

describe('verify', () => {
  test('two clients of one share: mounts, owner, shared data and the exclusive lock all hold', async () => {
    const share: Share = { files: new Map() };
    const mounted = { mounted: findmntJson(SOURCE, 'nfs4', WANTED_OPTIONS) };
    const lab = { 'lab-d': shareClient(LAB_D, share, mounted), 'lab-e': shareClient(LAB_E, share, mounted) };
    await expect(runVerify(lab)).resolves.toEqual({
      changed: false,
      detail: '2 clients: NFS 4.1, owner 4500:4500, shared data and exclusive lock',
    });
    // The check file is gone; the lock file is never created by the check itself.
    expect([...share.files.keys()]).toEqual([]);
    // Each client's mount and mount point read in its first round trip.
    expect(lab['lab-e'].shell.received.slice(0, 2).map((c) => c.argv[0])).toEqual(['findmnt', 'stat']);
  });

  test('two clients that only look alike: the data and lock drill says they do not share', async () => {
    const mounted = { mounted: findmntJson(SOURCE, 'nfs4', WANTED_OPTIONS) };
    const lab = {
      'lab-d': shareClient(LAB_D, { files: new Map() }, mounted),
      'lab-e': shareClient(LAB_E, { files: new Map() }, mounted),
    };
    const failure = await runVerify(lab).catch((e: Error) => e.message);
    expect(String(failure).split('\n  - ')).toEqual([
      'the shared directory does not work as a shared KahaDB directory:',
      expect.stringMatching(
        /^lab-e: a file written on lab-d in \/DASharedRepo cannot be read \(exit 1: cat: .*No such file or directory\); the clients do not share the same directory$/,
      ),
      'lab-e obtained the exclusive lock on /DASharedRepo/.cdktf-failover-lock-check while lab-d held it: locks are not shared between the clients, so two brokers could both hold the KahaDB lock',
    ]);
  });

  test('a client without the share mounted: fails on the mount table alone, before any drill', async () => {
    const share: Share = { files: new Map() };
    const lab = {
      'lab-d': shareClient(LAB_D, share, {
        mounted: findmntJson(SOURCE, 'nfs4', `${WANTED_OPTIONS},nolock`),
      }),
      'lab-e': shareClient(LAB_E, share, {}),
    };
    const failure = await runVerify(lab).catch((e: Error) => e.message);
    expect(String(failure).split('\n  - ')).toEqual([
      'the shared directory does not work as a shared KahaDB directory:',
      'lab-d: the lock check fails because locks are local to this client (mount options include nolock): an exclusive lock held here is not seen by the other clients, so two brokers could both hold the KahaDB lock. Mount the share without nolock or local_lock (umount, then mount)',
      `lab-e: nothing is mounted at ${MOUNT_PATH}`,
    ]);
    const sentAnywhere = Object.values(lab).flatMap((c) => c.shell.received.map((r) => r.argv[0]));
    expect(new Set(sentAnywhere)).toEqual(new Set(['findmnt', 'stat']));
  });

  test('owner and mode as each client sees them, a failed stat included', async () => {
    const share: Share = { files: new Map() };
    const mounted = findmntJson(SOURCE, 'nfs4', WANTED_OPTIONS);
    const lab = {
      'lab-d': shareClient(LAB_D, share, { mounted, ownerAndMode: { stdout: '65534:65534 755\n' } }),
      'lab-e': shareClient(LAB_E, share, {
        mounted,
        ownerAndMode: { code: 1, stderr: `stat: cannot statx '${MOUNT_PATH}': Permission denied` },
      }),
    };
    const failure = await runVerify(lab).catch((e: Error) => e.message);
    expect(String(failure).split('\n  - ').slice(1)).toEqual([
      `lab-d: ${MOUNT_PATH} shows owner and mode 65534:65534 755, not 4500:4500 2770; set them on the exported directory on the server (chown 4500:4500, chmod 2770), and check that every host maps IDs the same way (idmapDomain)`,
      `lab-e: cannot stat ${MOUNT_PATH} (exit 1: stat: cannot statx '${MOUNT_PATH}': Permission denied)`,
    ]);
  });
});
