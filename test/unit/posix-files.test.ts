/**
 * The POSIX file scripts run locally with `sh`, as a host runs them: unique backups, no window in
 * which another user can open a file being written, pruning that matches backups by name only, and
 * owners whose names hold spaces.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeAction } from '../../src/runner/action-handler';
import { BuiltinAction, runBuiltinSegment } from '../../src/runner/builtin-batch';
import { CommandExecutor, RemoteHost } from '../../src/runner/remote-host';
import type { ExecOptions, ExecResult } from '../../src/runner/ssh-session';
import { parseFiles, readFilesCommand, writeFilesCall } from '../../src/facts/files';
import { LOCAL_HOST, LocalExecutor } from '../support/local-executor';

let dir: string;
let host: RemoteHost;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-posix-files-'));
  host = new RemoteHost(LOCAL_HOST, new LocalExecutor(), path.join(dir, 'state'));
});
afterEach(() => {
  jest.useRealTimers();
  fs.rmSync(dir, { recursive: true, force: true });
});

const options = { stepId: 's', checkOnly: false, describe: describeAction };
const isRoot = process.getuid?.() === 0;
const read = (p: string) => fs.readFileSync(p, 'utf8');
const backupsOf = (target: string) =>
  fs
    .readdirSync(path.dirname(target))
    .filter((name) => name.startsWith(`${path.basename(target)}.cdktf-failover-backup-`))
    .sort();

/** Freezes the clock the runner names backups by, and nothing else: every write in one millisecond. */
function freezeClock(): void {
  jest.useFakeTimers({
    now: new Date('2026-11-22T03:04:05.123Z'),
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}

async function writeAll(
  writes: Parameters<typeof writeFilesCall>[0],
  keep = LOCAL_HOST.keepBackups,
  on = host,
): Promise<string[]> {
  const call = writeFilesCall(writes, keep);
  const result = await on.run(call.command, call.stdin);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout.split('\n').slice(0, writes.length);
}

describe('a backup per write (#5)', () => {
  const suffix = '.cdktf-failover-backup-20261122T030405123Z';

  it('one command writing a file twice with the same backup name keeps the original in the first backup it names', async () => {
    const target = path.join(dir, 'app.conf');
    fs.writeFileSync(target, 'original\n');
    const [first, second] = await writeAll([
      { path: target, content: 'one\n', backupSuffix: suffix },
      { path: target, content: 'two\n', backupSuffix: suffix },
    ]);
    expect(first).not.toBe(second);
    expect(read(first)).toBe('original\n');
    expect(read(second)).toBe('one\n');
    expect(read(target)).toBe('two\n');
  });

  it('two commands writing a file in the same millisecond keep a backup each', async () => {
    const target = path.join(dir, 'app.conf');
    fs.writeFileSync(target, 'original\n');
    const [first] = await writeAll([{ path: target, content: 'one\n', backupSuffix: suffix }]);
    const [second] = await writeAll([{ path: target, content: 'two\n', backupSuffix: suffix }]);
    expect(first).not.toBe(second);
    expect(read(first)).toBe('original\n');
    expect(read(second)).toBe('one\n');
  });

  it('a step editing a file twice in one millisecond reports a backup that holds the original', async () => {
    const target = path.join(dir, 'hosts');
    fs.writeFileSync(target, 'original\n');
    freezeClock();
    const actions: BuiltinAction[] = [
      { kind: 'line', path: target, line: '198.18.0.11 a' },
      { kind: 'line', path: target, line: '198.18.0.12 b' },
    ];
    const reports = await runBuiltinSegment(host, actions, options);
    expect(reports.map((r) => r.outcome)).toEqual(['changed', 'changed']);
    const named = reports.map((r) => /^previous content kept in (.*)$/.exec(r.detail ?? '')?.[1]);
    expect(read(named[0]!)).toBe('original\n');
    expect(read(named[1]!)).toBe('original\n198.18.0.11 a\n');
    expect(read(target)).toBe('original\n198.18.0.11 a\n198.18.0.12 b\n');
  });

  it('writes of one file in one millisecond by separate commands of a run keep a backup each', async () => {
    const target = path.join(dir, 'app.conf');
    fs.writeFileSync(target, 'original\n');
    freezeClock();
    const first = await host.writeFile(target, 'one\n');
    const second = await host.writeFile(target, 'two\n');
    expect(first).not.toBe(second);
    expect(read(first!)).toBe('original\n');
    expect(read(second!)).toBe('one\n');
  });

  it('pruning keeps the most recent backups, same-millisecond ones included', async () => {
    const target = path.join(dir, 'app.conf');
    fs.writeFileSync(target, 'v0\n');
    const made: string[] = [];
    for (let i = 1; i <= 4; i++)
      made.push(...(await writeAll([{ path: target, content: `v${i}\n`, backupSuffix: suffix }], 2)));
    expect(backupsOf(target).map((b) => read(path.join(dir, b)))).toEqual(['v2\n', 'v3\n']);
    expect(made.slice(2).map(read)).toEqual(['v2\n', 'v3\n']);
  });
});

const runsAsNobody = isRoot && spawnSync('runuser', ['-u', 'nobody', '--', 'true']).status === 0;

describe('no window for other users (#6)', () => {
  // Builtins only, so a pass over the folder is fast: it prints every temporary file or backup it
  // could open. Opening is enough: an open descriptor reads whatever is written later.
  const POLLER = `cd "$1" || exit 1
echo ready
while [ ! -e stop ]; do
  for f in .f* f*.cdktf-failover-backup-*; do
    if { true < "$f"; } 2>/dev/null; then printf '%s\\n' "$f"; fi
  done
done`;

  it('another user never opens a 0600 file, its temporary file or its backup while it is written', async () => {
    if (!runsAsNobody) throw new Error('this test runs as root with runuser (Debian: util-linux)');
    fs.chmodSync(dir, 0o755);
    const slowHost = new RemoteHost({ ...LOCAL_HOST, commandTimeoutSeconds: 300 }, new LocalExecutor());
    const poller = spawn('runuser', ['-u', 'nobody', '--', 'sh', '-c', POLLER, 'sh', dir]);
    let seen = '';
    poller.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    const exited = new Promise((resolve) => poller.on('close', resolve));
    await new Promise<void>((resolve) => {
      const wait = () => (seen.startsWith('ready\n') ? resolve() : setTimeout(wait, 10));
      wait();
    });
    const files = Array.from({ length: 400 }, (_, i) => path.join(dir, `f${i}`));
    await writeAll(
      files.map((p) => ({ path: p, content: 'secret\n', mode: '0600' })),
      LOCAL_HOST.keepBackups,
      slowHost,
    );
    // Again over the files just made: the previous content goes to 0600 backups.
    const backups = await writeAll(
      files.map((p) => ({
        path: p,
        content: 'secret 2\n',
        backupSuffix: '.cdktf-failover-backup-20261122T030405123Z',
      })),
      LOCAL_HOST.keepBackups,
      slowHost,
    );
    fs.writeFileSync(path.join(dir, 'stop'), '');
    await exited;
    expect(seen).toBe('ready\n');
    expect(files.map((p) => (fs.statSync(p).mode & 0o7777).toString(8))).toEqual(files.map(() => '600'));
    expect(backups.map((b) => (fs.statSync(b).mode & 0o7777).toString(8))).toEqual(files.map(() => '600'));
    expect(backups.map(read)).toEqual(files.map(() => 'secret\n'));
  }, 300_000);

  it('sets a requested mode, setuid included, and reads exactly each file from one stdin', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    const big = 'x'.repeat(3 * 1024 * 1024 + 17);
    await writeAll([
      { path: a, content: big, mode: '4750' },
      { path: b, content: 'after the big one\n', mode: '0400' },
    ]);
    expect(read(a)).toBe(big);
    expect(read(b)).toBe('after the big one\n');
    expect((fs.statSync(a).mode & 0o7777).toString(8)).toBe('4750');
    expect((fs.statSync(b).mode & 0o7777).toString(8)).toBe('400');
  });

  it('stops at a file whose content is shorter than announced, leaving it untouched', async () => {
    const target = path.join(dir, 'short');
    fs.writeFileSync(target, 'keep me\n');
    const call = writeFilesCall([{ path: target, content: 'twelve bytes' }], 5);
    const result = await host.run(call.command, 'only six');
    expect(result.code).toBe(65);
    expect(result.stderr).toMatch(/short input for .*short/);
    expect(read(target)).toBe('keep me\n');
    expect(fs.readdirSync(dir)).toEqual(['short']);
  });
});

describe('backups pruned by exact name (#7)', () => {
  const stamp = (i: number) => `.cdktf-failover-backup-2026010${i}T000000000Z`;

  it('a planted name with a newline never makes pruning delete the file its second line names', async () => {
    // `ls | sort -r | tail` read such a name as two; the second, relative to the shell's working
    // folder, sorts after every absolute path when it starts with a dot: the first to be deleted.
    const home = path.join(dir, 'home');
    fs.mkdirSync(home);
    const victim = path.join(home, '.profile');
    fs.writeFileSync(victim, 'not a backup\n');
    const target = path.join(dir, 'app.conf');
    fs.writeFileSync(target, 'current\n');
    for (let i = 1; i <= 5; i++) fs.writeFileSync(`${target}${stamp(i)}`, `old ${i}\n`);
    const planted = `${target}.cdktf-failover-backup-zzz\n.profile`;
    fs.writeFileSync(planted, '');
    const cwd = process.cwd();
    process.chdir(home);
    try {
      // A shell of its own, started in that folder.
      await new RemoteHost(LOCAL_HOST, new LocalExecutor()).writeFile(target, 'next\n');
    } finally {
      process.chdir(cwd);
    }
    expect(fs.existsSync(victim)).toBe(true);
    expect(fs.existsSync(planted)).toBe(true);
    const backups = backupsOf(target).filter((b) => !b.includes('\n'));
    expect(backups).toHaveLength(LOCAL_HOST.keepBackups);
    expect(backups).not.toContain(`app.conf${stamp(1)}`);
  });

  it('leaves a folder or a look-alike name alone, and the write succeeds', async () => {
    const target = path.join(dir, 'app.conf');
    fs.writeFileSync(target, 'current\n');
    const folder = `${target}${stamp(0)}`;
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'inside'), 'kept\n');
    const lookAlike = `${target}.cdktf-failover-backup-notes`;
    fs.writeFileSync(lookAlike, 'mine\n');
    for (let i = 1; i <= 6; i++) fs.writeFileSync(`${target}${stamp(i)}`, `old ${i}\n`);
    await host.writeFile(target, 'next\n');
    expect(read(path.join(folder, 'inside'))).toBe('kept\n');
    expect(read(lookAlike)).toBe('mine\n');
    expect(
      backupsOf(target).filter((b) => /\d{9}Z/.test(b) && fs.statSync(path.join(dir, b)).isFile()),
    ).toHaveLength(LOCAL_HOST.keepBackups);
  });

  it('clearing a notification removes its backups and nothing that only looks like one', async () => {
    await host.setPending('restart-x', 'one');
    await host.setPending('restart-x', 'two');
    const pending = path.join(dir, 'state', 'pending');
    const lookAlike = path.join(pending, 'restart-x.cdktf-failover-backup-notes');
    fs.writeFileSync(lookAlike, 'mine\n');
    await host.clearPending('restart-x');
    expect(fs.readdirSync(pending)).toEqual([path.basename(lookAlike)]);
  });
});

/** Runs each command in a mount namespace whose /etc/passwd and /etc/group name users with spaces. */
class SpacedNamesExecutor implements CommandExecutor {
  constructor(
    private readonly passwd: string,
    private readonly group: string,
  ) {}

  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    const wrapper = 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && exec sh -c "$3"';
    const child = spawnSync('unshare', ['-m', 'sh', '-c', wrapper, 'sh', this.passwd, this.group, command], {
      input: options.stdin ?? '',
      timeout: options.timeoutMs,
    });
    return Promise.resolve({
      code: child.status,
      stdout: child.stdout,
      stderr: child.stderr,
      durationMs: 0,
    });
  }
}

const canUnshare = isRoot && spawnSync('unshare', ['-m', 'true']).status === 0;

describe('owners and groups whose names hold spaces (#8)', () => {
  it('parses a file record whose owner and group hold spaces', () => {
    const out = Buffer.from('F\n640\ndomain users\ndomain admins\n4\nabc\nM\n');
    expect(parseFiles(['/etc/a', '/etc/b'], out)).toEqual(
      new Map([
        [
          '/etc/a',
          { state: 'file', content: 'abc\n', mode: '0640', owner: 'domain users', group: 'domain admins' },
        ],
        ['/etc/b', { state: 'missing' }],
      ]),
    );
  });

  it('rejects a truncated record', () => {
    expect(() => parseFiles(['/etc/a'], Buffer.from('F\n640\nroot\n'))).toThrow(/\/etc\/a/);
  });

  it('reads the files and metadata of a normal file', async () => {
    const target = path.join(dir, 'plain');
    fs.writeFileSync(target, 'x\n', { mode: 0o640 });
    const result = await host.run(readFilesCommand([target]));
    expect(parseFiles([target], result.stdoutBytes).get(target)).toEqual({
      state: 'file',
      content: 'x\n',
      mode: '0640',
      owner: 'root',
      group: 'root',
    });
    expect(await host.fileMeta(target)).toEqual({ mode: '0640', owner: 'root', group: 'root' });
  });

  it('reads a file owned by "domain users":"domain admins", on the host', async () => {
    if (!canUnshare) throw new Error('this test runs as root with unshare (Debian: util-linux)');
    const passwd = path.join(dir, 'passwd');
    const group = path.join(dir, 'group');
    fs.writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\ndomain users:x:4242:4242::/:/bin/sh\n');
    fs.writeFileSync(group, 'root:x:0:\ndomain admins:x:4243:\n');
    const target = path.join(dir, 'joined.conf');
    fs.writeFileSync(target, 'a=1\n', { mode: 0o640 });
    fs.chownSync(target, 4242, 4243);
    const spaced = new RemoteHost(
      LOCAL_HOST,
      new SpacedNamesExecutor(passwd, group),
      path.join(dir, 'state'),
    );
    expect(await spaced.fileMeta(target)).toEqual({
      mode: '0640',
      owner: 'domain users',
      group: 'domain admins',
    });
    const reports = await runBuiltinSegment(
      spaced,
      [
        { kind: 'file', path: target, content: 'a=1\n' },
        { kind: 'line', path: target, line: 'b=2' },
      ],
      options,
    );
    expect(reports.map((r) => r.outcome)).toEqual(['ok', 'changed']);
    expect(read(target)).toBe('a=1\nb=2\n');
    const after = fs.statSync(target);
    expect([after.uid, after.gid, (after.mode & 0o7777).toString(8)]).toEqual([4242, 4243, '640']);
  });
});
