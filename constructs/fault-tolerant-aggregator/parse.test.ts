/**
 * The DA run fact: DA_RUN run for real by the local `sh` against a DA process of this machine and
 * karaf.log files in a scratch install directory, and its parser, with log lines as Karaf writes
 * them.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DA_RUN } from './commands';
import { READINESS_LINE } from './netops';
import { parseDaRun, parseLogLineTime, parseUtcOffset } from './parse';
import { DEFAULT_READINESS_LOGS } from './props';

const karafLine = (time: string, message: string) =>
  `${time} | INFO  | FelixStartLevel  | RequestProcessor               | ${message}`;

describe('parseLogLineTime', () => {
  it("reads log4j's ISO 8601 local time (T or space, comma or dot before the milliseconds) with the host's offset", () => {
    const utc = Date.UTC(2026, 11, 2, 20, 13, 32, 123);
    expect(parseLogLineTime(karafLine('2026-12-02T20:13:32,123', READINESS_LINE), 0)).toBe(utc);
    expect(parseLogLineTime('2026-12-02 21:13:32.123 INFO x', 60)).toBe(utc);
    expect(parseLogLineTime('2026-12-02T15:13:32,123 | INFO', -300)).toBe(utc);
    expect(parseLogLineTime('2026-12-02T20:13:32 | INFO', 0)).toBe(utc - 123);
  });

  it('reads no time from a line that does not start with one', () => {
    expect(parseLogLineTime(READINESS_LINE, 0)).toBeUndefined();
    expect(parseLogLineTime('Dec 02 20:13:32 da1 karaf: ready', 0)).toBeUndefined();
  });

  it('reads UTC offsets as date +%z prints them', () => {
    expect([parseUtcOffset('+0000'), parseUtcOffset('+0530'), parseUtcOffset('-0800')]).toEqual([
      0, 330, -480,
    ]);
    expect([parseUtcOffset(''), parseUtcOffset('UTC'), parseUtcOffset(undefined)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('parseDaRun', () => {
  it('reads processes, the last readiness line of each file, and the number of files', () => {
    const run = parseDaRun(
      [
        'process=4242 1780000000.25 +0100',
        'process=junk 1 +0000',
        `logged=/opt/DA/apache-karaf-4.4.3/data/log/karaf.log.1\t${karafLine('2026-05-28T21:26:41,000', READINESS_LINE)}`,
        'logs=2',
        '',
      ].join('\n'),
    );
    expect(run).toEqual({
      processes: [{ pid: 4242, startedMs: 1_780_000_000_250, utcOffsetMinutes: 60 }],
      logged: [
        {
          file: '/opt/DA/apache-karaf-4.4.3/data/log/karaf.log.1',
          line: karafLine('2026-05-28T21:26:41,000', READINESS_LINE),
        },
      ],
      logFiles: 2,
    });
  });

  it('reads a standby with no log: no process, no line, no file (the "missing" value is this, not a failure)', () => {
    expect(parseDaRun('logs=0\n')).toEqual({ processes: [], logged: [], logFiles: 0 });
  });
});

describe('DA_RUN on this machine', () => {
  let dir: string;
  let da: ChildProcess | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fta-da run-'));
    fs.mkdirSync(path.join(dir, 'apache-karaf-4.4.3/data/log'), { recursive: true });
  });
  afterEach(() => {
    da?.kill('SIGKILL');
    da = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = () => {
    const r = spawnSync('sh', ['-c', DA_RUN, 'sh', dir, DEFAULT_READINESS_LOGS, READINESS_LINE], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, LC_ALL: 'C' },
    });
    expect(r.status).toBe(0);
    return parseDaRun(r.stdout);
  };
  const log = (name: string, lines: string[]) =>
    fs.writeFileSync(
      path.join(dir, 'apache-karaf-4.4.3/data/log', name),
      lines.map((l) => `${l}\n`).join(''),
    );

  it('finds no DA process where none names the Karaf home, and reads every rotated file', () => {
    log('karaf.log', [karafLine('2026-12-02T20:13:32,123', 'Data Aggregator starting')]);
    log('karaf.log.1', [
      karafLine('2026-12-02T19:00:00,000', READINESS_LINE),
      karafLine('2026-12-02T19:10:00,000', READINESS_LINE),
    ]);
    log('karaf.log.2', [karafLine('2026-12-02T18:00:00,000', READINESS_LINE)]);
    const seen = run();
    expect(seen.processes).toEqual([]);
    expect(seen.logFiles).toBe(3);
    expect(seen.logged.map((l) => [path.basename(l.file), l.line.slice(0, 23)]).sort()).toEqual([
      ['karaf.log.1', '2026-12-02T19:10:00,000'],
      ['karaf.log.2', '2026-12-02T18:00:00,000'],
    ]);
  });

  it('finds the process that names the Karaf home under the install directory, with its start time', async () => {
    const before = Date.now();
    da = spawn('python3', ['-c', 'import time; time.sleep(30)', `-Dkaraf.home=${dir}/apache-karaf-4.4.3`], {
      stdio: 'ignore',
    });
    // Another install directory's Karaf is not this aggregator's.
    const other = spawn(
      'python3',
      ['-c', 'import time; time.sleep(30)', `-Dkaraf.home=${dir}-other/apache-karaf-4.4.3`],
      {
        stdio: 'ignore',
      },
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      const seen = run();
      expect(seen.processes.map((p) => p.pid)).toEqual([da.pid]);
      // /proc counts from boot in clock ticks: within a second or so of the spawn.
      expect(Math.abs(seen.processes[0].startedMs - before)).toBeLessThan(1500);
      expect(seen.processes[0].utcOffsetMinutes).toEqual(expect.any(Number));
      expect(seen.logFiles).toBe(0);
    } finally {
      other.kill('SIGKILL');
    }
  });
});
