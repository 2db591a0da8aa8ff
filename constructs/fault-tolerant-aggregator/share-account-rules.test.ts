/**
 * The shared directory's account check: the probe scripts run for real in a local directory, their
 * output parsed, what it means decided, and the preflight's part fed with aggregator fixtures.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { shellScript } from '../../src/dialect/posix';
import type { HostConfig } from '../../src/schema/host';
import { fixtureHost, FixtureAnswer, ReceivedCommand } from '../../test/support/fixture-host';
import type { ShareAccountCheck } from './actions';
import { SHARE_ACCOUNT_PROBE, SHARE_PROBE_PREFIX, SHARE_WRITE_LOCK_DELETE } from './commands';
import { shareAccountProblems } from './handle-preflight';
import { parseShareAccountProbe } from './parse';
import { planFaultTolerantAggregatorSteps } from './plan';
import type { PreflightAction } from './actions';
import { faultTolerantAggregatorSchema } from './props';
import {
  accountIdentityProblems,
  canWriteDirectory,
  predictedWriteProblems,
  squashedIdentity,
  writeProbeProblems,
} from './share-account-rules';
import { testHost, validProps } from './test-props';

const ROOT = { uid: 0, gid: 0, groups: [0] };
const DAUSER = { uid: 1500, gid: 1500, groups: [1500] };
const OWNER = { uid: 1500, gid: 1500, user: 'dauser' };
const DEFAULT_EXPORT = {
  options: ['rw', 'sync', 'no_subtree_check', 'root_squash', 'sec=sys'],
  mode: '0770',
};

describe('SHARE_WRITE_LOCK_DELETE, run in a local directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'share-probe-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const probe = (file: string) =>
    spawnSync(
      shellScript(SHARE_WRITE_LOCK_DELETE, file)[0],
      shellScript(SHARE_WRITE_LOCK_DELETE, file).slice(1),
      {
        encoding: 'utf8',
      },
    );

  it('creates, locks and deletes a new file, leaving the directory as it was', () => {
    const r = probe(path.join(dir, `${SHARE_PROBE_PREFIX}abc`));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`create=ok\nfile=${process.getuid!()}\nlock=ok\nremove=ok\n`);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('never touches a file that is already there: the create fails and the file keeps its content', () => {
    const file = path.join(dir, `${SHARE_PROBE_PREFIX}abc`);
    fs.writeFileSync(file, 'user data\n');
    const r = probe(file);
    expect(r.stdout).toMatch(/^create=failed .*exists/);
    expect(r.stdout).not.toMatch(/remove=/);
    expect(fs.readFileSync(file, 'utf8')).toBe('user data\n');
  });

  it('reports a create that fails with what the shell said', () => {
    const r = probe(path.join(dir, 'no-such-directory', 'f'));
    expect(
      parseShareAccountProbe(`account=present\nuid=0\ngid=0\ngroups=0\nmounted=yes\n${r.stdout}`),
    ).toEqual({
      account: 'present',
      mounted: true,
      ...ROOT,
      probe: { create: { ok: false, message: expect.stringMatching(/Directory nonexistent|No such file/) } },
    });
  });
});

describe('SHARE_ACCOUNT_PROBE', () => {
  it('says an account that does not exist is missing, and probes nothing', () => {
    const argv = shellScript(
      SHARE_ACCOUNT_PROBE,
      'no-such-user-x9',
      '/nowhere',
      'f',
      SHARE_WRITE_LOCK_DELETE,
    );
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
    expect(r.stdout).toBe('account=missing\n');
    expect(parseShareAccountProbe(r.stdout)).toEqual({ account: 'missing' });
  });

  it('reports a share that is not mounted as not mounted, with the account IDs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'share-unmounted-'));
    try {
      const me = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
      const argv = shellScript(SHARE_ACCOUNT_PROBE, me, dir, 'f', SHARE_WRITE_LOCK_DELETE);
      const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
      expect(parseShareAccountProbe(r.stdout)).toMatchObject({
        account: 'present',
        mounted: false,
        uid: process.getuid!(),
        gid: process.getgid!(),
      });
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseShareAccountProbe', () => {
  it('reads every stage of a mounted share', () => {
    const out =
      'account=present\nuid=1500\ngid=1500\ngroups=1500 10\nmounted=yes\nshare=1500:1500:770\ncreate=ok\nfile=1500\nlock=failed flock: 9: Bad file descriptor\nremove=ok\n';
    expect(parseShareAccountProbe(out)).toEqual({
      account: 'present',
      mounted: true,
      uid: 1500,
      gid: 1500,
      groups: [1500, 10],
      probe: {
        share: { uid: 1500, gid: 1500, mode: 0o770 },
        create: { ok: true },
        fileUid: 1500,
        lock: { ok: false, message: 'flock: 9: Bad file descriptor' },
        remove: { ok: true },
      },
    });
  });

  it('reads a probe cut short as a failed create, never as a success', () => {
    expect(
      parseShareAccountProbe('account=present\nuid=0\ngid=0\ngroups=0\nmounted=yes\nshare=1500:1500:770\n'),
    ).toMatchObject({ probe: { create: { ok: false, message: 'the probe printed no result' } } });
  });
});

describe('squashedIdentity (exports(5))', () => {
  it('maps root to the anonymous IDs under root_squash, the default', () => {
    expect(squashedIdentity(ROOT, ['rw'])).toEqual({
      uid: 65534,
      gid: 65534,
      groups: [65534],
      squashedBy: 'root_squash',
    });
  });
  it('leaves root as it is with no_root_squash (the last of the two wins)', () => {
    expect(squashedIdentity(ROOT, ['root_squash', 'no_root_squash'])).toEqual(ROOT);
    expect(squashedIdentity(ROOT, ['no_root_squash', 'root_squash']).uid).toBe(65534);
  });
  it('maps every user to anonuid/anongid under all_squash', () => {
    expect(squashedIdentity(DAUSER, ['all_squash', 'anonuid=1600', 'anongid=1601'])).toEqual({
      uid: 1600,
      gid: 1601,
      groups: [1601],
      squashedBy: 'all_squash',
    });
  });
  it('maps only group 0 of a user in the root group', () => {
    expect(squashedIdentity({ uid: 1500, gid: 1500, groups: [1500, 0] }, [])).toEqual({
      uid: 1500,
      gid: 1500,
      groups: [1500, 65534],
    });
  });
});

describe('canWriteDirectory', () => {
  it('lets the owner, a group member and others write by the mode bits', () => {
    expect(canWriteDirectory(DAUSER, OWNER, 0o770)).toBe(true);
    expect(canWriteDirectory(DAUSER, OWNER, 0o570)).toBe(false);
    expect(canWriteDirectory({ uid: 1600, gid: 1600, groups: [1600, 1500] }, OWNER, 0o770)).toBe(true);
    expect(canWriteDirectory({ uid: 65534, gid: 65534, groups: [65534] }, OWNER, 0o770)).toBe(false);
    expect(canWriteDirectory({ uid: 65534, gid: 65534, groups: [65534] }, OWNER, 0o777)).toBe(true);
  });
});

describe('accountIdentityProblems', () => {
  const present = (ids: typeof DAUSER) => ({ account: 'present' as const, mounted: false as const, ...ids });
  it('reports an account missing on a host, unless it is the owner the share creates', () => {
    const answers = [
      { label: 'da1', probe: present(DAUSER) },
      { label: 'da2', probe: { account: 'missing' as const } },
    ];
    expect(accountIdentityProblems('dasvc', answers, OWNER)).toEqual([
      'da2: the account dasvc the aggregators write the shared directory as does not exist; create it with the same UID and GID on both aggregators, or set aggregators.shareAccount to the account the aggregators run as',
    ]);
    expect(accountIdentityProblems('dauser', answers, OWNER)).toEqual([]);
  });
  it('reports other numeric IDs on the two aggregators', () => {
    const answers = [
      { label: 'da1', probe: present(DAUSER) },
      { label: 'da2', probe: present({ uid: 1501, gid: 1500, groups: [1500] }) },
    ];
    expect(accountIdentityProblems('dauser', answers, OWNER)).toEqual([
      'dauser is UID 1500:1500 on da1 but 1501:1500 on da2: both aggregators must write the shared directory with the same numeric UID and GID; give the account the same IDs on both',
    ]);
  });
});

describe('writeProbeProblems', () => {
  const share = { uid: 1500, gid: 1500, mode: 0o770 };
  const denied = { ok: false as const, message: 'sh: 1: cannot create /DASharedRepo/f: Permission denied' };
  it('names squash when root is refused: root is refused on NFS only when the server squashed it', () => {
    const [problem] = writeProbeProblems(
      'da1',
      'root',
      ROOT,
      '/DASharedRepo',
      { share, create: denied },
      'f',
    );
    expect(problem).toMatch(
      /^da1: root \(UID 0\) cannot create a file in \/DASharedRepo \(.*Permission denied\): the NFS server maps root to the anonymous user \(root_squash/,
    );
    expect(problem).toContain('aggregators.shareAccount');
  });
  it('names the owner and mode when another account is refused', () => {
    expect(
      writeProbeProblems(
        'da1',
        'dasvc',
        { uid: 1600, gid: 1600, groups: [1600] },
        '/DASharedRepo',
        { share, create: denied },
        'f',
      ),
    ).toEqual([
      "da1: dasvc (UID 1600) cannot create a file in /DASharedRepo (sh: 1: cannot create /DASharedRepo/f: Permission denied): the share belongs to UID 1500:1500 with mode 770, and dasvc is not its owner; make dasvc the share's owner (sharedDirectory.owner) or set aggregators.shareAccount to the account the aggregators run as",
    ]);
  });
  it('reports files that belong to another UID than the account: the export squashed it', () => {
    const problems = writeProbeProblems(
      'da2',
      'root',
      ROOT,
      '/DASharedRepo',
      {
        share: { ...share, mode: 0o777 },
        create: { ok: true },
        fileUid: 65534,
        lock: { ok: true },
        remove: { ok: true },
      },
      'f',
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^da2: root \(UID 0\) writes files in \/DASharedRepo that belong to UID 65534: the NFS server maps the account to the anonymous user \(root_squash/,
      ),
    ]);
  });
  it('reports a refused lock and a file it could not delete, and nothing for a clean probe', () => {
    const clean = {
      share,
      create: { ok: true as const },
      fileUid: 1500,
      lock: { ok: true as const },
      remove: { ok: true as const },
    };
    expect(writeProbeProblems('da1', 'dauser', DAUSER, '/DASharedRepo', clean, 'f')).toEqual([]);
    const problems = writeProbeProblems(
      'da1',
      'dauser',
      DAUSER,
      '/DASharedRepo',
      {
        ...clean,
        lock: { ok: false, message: 'flock: 9: No locks available' },
        remove: { ok: false, message: 'rm: Permission denied' },
      },
      'f',
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/cannot take an exclusive lock .*No locks available.*KahaDB/);
    expect(problems[1]).toMatch(/cannot delete the file it created .*remove \/DASharedRepo\/f/);
  });
});

describe('predictedWriteProblems (the share is not mounted yet)', () => {
  it('refuses root on the default export (root_squash) of a share owned by UID 1500, naming squash', () => {
    expect(predictedWriteProblems('da1', 'root', ROOT, '/DASharedRepo', OWNER, DEFAULT_EXPORT)).toEqual([
      "da1: root (UID 0) will not be able to write in /DASharedRepo: the export squashes root to the anonymous user (root_squash, the default of exports(5); anonuid 65534), which may not write in a share of dauser, UID 1500:1500 with mode 0770; run the aggregators as the share's owner and set aggregators.shareAccount to the account the aggregators run as, or add no_root_squash to sharedDirectory.exportOptions",
    ]);
  });
  it('lets the owner write, and root with no_root_squash', () => {
    expect(predictedWriteProblems('da1', 'dauser', DAUSER, '/DASharedRepo', OWNER, DEFAULT_EXPORT)).toEqual(
      [],
    );
    const noSquash = { ...DEFAULT_EXPORT, options: ['rw', 'no_root_squash'] };
    expect(predictedWriteProblems('da1', 'root', ROOT, '/DASharedRepo', OWNER, noSquash)).toEqual([]);
  });
  it('refuses an account outside the owner and group of a 0770 share', () => {
    expect(
      predictedWriteProblems(
        'da1',
        'dasvc',
        { uid: 1600, gid: 1600, groups: [1600] },
        '/DASharedRepo',
        OWNER,
        DEFAULT_EXPORT,
      ),
    ).toEqual([expect.stringMatching(/gives dasvc no write permission; make dasvc the share's owner/)]);
  });
  it('refuses all_squash to another UID than the account, even where the mode lets it write', () => {
    const all = { options: ['rw', 'all_squash'], mode: '0777' };
    expect(predictedWriteProblems('da1', 'dauser', DAUSER, '/DASharedRepo', OWNER, all)).toEqual([
      expect.stringMatching(/as itself: the export maps every user to UID 65534:65534 \(all_squash\)/),
    ]);
    const toOwner = { options: ['rw', 'all_squash', 'anonuid=1500', 'anongid=1500'], mode: '0770' };
    expect(predictedWriteProblems('da1', 'dauser', DAUSER, '/DASharedRepo', OWNER, toOwner)).toEqual([]);
  });
});

describe('the plan carries the account check', () => {
  const planFor = (props = validProps(), share: Parameters<typeof planFaultTolerantAggregatorSteps>[1]) =>
    planFaultTolerantAggregatorSteps(faultTolerantAggregatorSchema.parse(props), share).find(
      (s) => s.id === 'preflight',
    )!.actions[0] as PreflightAction;
  const share = {
    mountPath: '/DASharedRepo',
    owner: { uid: 4500, gid: 4500, user: 'dauser' },
    plannedExport: DEFAULT_EXPORT,
  };

  it("checks the share's owner by default, from both aggregators", () => {
    expect(planFor(validProps(), share).shareAccount).toEqual({
      account: 'dauser',
      aggregators: [validProps().aggregators.active, validProps().aggregators.inactive].map((h) =>
        expect.objectContaining({ address: (h as HostConfig).address }),
      ),
      mountPath: '/DASharedRepo',
      owner: { uid: 4500, gid: 4500, user: 'dauser' },
      plannedExport: DEFAULT_EXPORT,
    });
  });

  it('checks aggregators.shareAccount when given', () => {
    const props = validProps();
    const given = { ...props, aggregators: { ...props.aggregators, shareAccount: 'root' } };
    expect(planFor(given, share).shareAccount?.account).toBe('root');
  });
});

describe('shareAccountProblems against aggregator fixtures', () => {
  const check: ShareAccountCheck = {
    account: 'root',
    aggregators: [testHost('da1', '10.0.0.11'), testHost('da2', '10.0.0.12')] as unknown as HostConfig[],
    mountPath: '/DASharedRepo',
    owner: OWNER,
    plannedExport: DEFAULT_EXPORT,
  };
  const hostsAnswering = (answer: (label: string, c: ReceivedCommand) => FixtureAnswer) => {
    const received: ReceivedCommand[] = [];
    const connect = async (h: HostConfig) =>
      fixtureHost(h, (c) => {
        received.push(c);
        return answer(h.name!, c);
      }).host;
    return { connect, received };
  };

  it('probes a mounted share as the account with one new file name on both, and names squash', async () => {
    const { connect, received } = hostsAnswering(() => ({
      stdout:
        'account=present\nuid=0\ngid=0\ngroups=0\nmounted=yes\nshare=1500:1500:770\ncreate=failed sh: 1: cannot create x: Permission denied\n',
    }));
    const { problems, probed } = await shareAccountProblems(check, connect);
    expect(probed).toBe(2);
    expect(problems).toEqual([
      expect.stringMatching(/^da1: root \(UID 0\) cannot create a file in \/DASharedRepo .*root_squash/),
      expect.stringMatching(/^da2: root \(UID 0\) cannot create a file in \/DASharedRepo .*root_squash/),
    ]);
    expect(received.map((c) => c.argv.slice(0, 4))).toEqual([
      ['sh', '-c', SHARE_ACCOUNT_PROBE, 'sh'],
      ['sh', '-c', SHARE_ACCOUNT_PROBE, 'sh'],
    ]);
    const [first, second] = received.map((c) => c.argv.slice(4)).sort((a, b) => a[2].localeCompare(b[2]));
    expect(first[0]).toBe('root');
    expect(first[1]).toBe('/DASharedRepo');
    // One run's token, a name of its own on each aggregator: both write in the same directory at once.
    expect(first[2]).toMatch(new RegExp(`^${SHARE_PROBE_PREFIX.replace(/\./g, '\\.')}[0-9a-f]{16}-1$`));
    expect(second[2]).toBe(first[2].replace(/-1$/, '-2'));
  });

  it('predicts from the planned export where the share is not mounted yet', async () => {
    const { connect } = hostsAnswering(() => ({
      stdout: 'account=present\nuid=0\ngid=0\ngroups=0\nmounted=no\n',
    }));
    const { problems, probed } = await shareAccountProblems(check, connect);
    expect(probed).toBe(0);
    expect(problems).toEqual([
      expect.stringMatching(/^da1: root \(UID 0\) will not be able to write .*root_squash/),
      expect.stringMatching(/^da2: root \(UID 0\) will not be able to write .*root_squash/),
    ]);
  });
});
