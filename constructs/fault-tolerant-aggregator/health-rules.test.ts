/** The health decisions: the state read with or without a status line, readiness since this start. */
import {
  aggregatorProblems,
  AggregatorStatus,
  readAggregatorState,
  readinessOfCurrentStart,
} from './health-rules';
import { READINESS_LINE } from './netops';
import type { DaRun } from './parse';

const START = Date.UTC(2026, 11, 2, 20, 0, 0, 500);
const WHERE = { installDirectory: '/opt/IMDataAggregator', logs: 'apache-karaf-*/data/log/karaf.log*' };
const LOG = '/opt/IMDataAggregator/apache-karaf-4.4.3/data/log/karaf.log';
const line = (time: string) => `${time} | INFO  | FelixStartLevel  | RequestProcessor | ${READINESS_LINE}`;
const running = (logged: DaRun['logged'], offset = 0): DaRun => ({
  processes: [{ pid: 4242, startedMs: START, utcOffsetMinutes: offset }],
  logged,
  logFiles: 2,
});

describe('readinessOfCurrentStart', () => {
  it('counts a line written after the DA process started, in the current file or a rotated one', () => {
    expect(
      readinessOfCurrentStart(running([{ file: LOG, line: line('2026-12-02T20:00:01,000') }]), WHERE),
    ).toEqual({
      ready: true,
      line: `${LOG}: ${line('2026-12-02T20:00:01,000')}`,
    });
    const rotated = running([
      { file: `${LOG}.2`, line: line('2026-12-01T08:00:00,000') },
      { file: `${LOG}.1`, line: line('2026-12-02T20:00:00,600') },
    ]);
    expect(readinessOfCurrentStart(rotated, WHERE)).toMatchObject({
      ready: true,
      line: expect.stringContaining(`${LOG}.1: `),
    });
  });

  it("compares the log's local time through the host's UTC offset", () => {
    // 21:00:01 at +0100 is 20:00:01 UTC: after the start; at +0200 it would be 19:00:01 UTC: before.
    const logged = [{ file: LOG, line: line('2026-12-02T21:00:01,000') }];
    expect(readinessOfCurrentStart(running(logged, 60), WHERE).ready).toBe(true);
    expect(readinessOfCurrentStart(running(logged, 120), WHERE).ready).toBe(false);
  });

  it('refuses a line from an earlier start, naming both times', () => {
    const result = readinessOfCurrentStart(
      running([{ file: LOG, line: line('2026-12-02T20:00:00,400') }]),
      WHERE,
    );
    expect(result).toEqual({
      ready: false,
      why: `its readiness line ("${READINESS_LINE}") is from an earlier start: the last one, in ${LOG}, was logged at 2026-12-02T20:00:00.400Z, before the DA process (pid 4242) started at 2026-12-02T20:00:00.500Z; it has not logged it since (looked in 2 files matching /opt/IMDataAggregator/apache-karaf-*/data/log/karaf.log*)`,
    });
  });

  it('refuses no line, a line without a readable time, and no DA process', () => {
    expect(readinessOfCurrentStart(running([]), WHERE)).toMatchObject({
      ready: false,
      why: expect.stringMatching(
        /^no readiness line .* since the DA process \(pid 4242\) started .*set aggregators\.readinessLogs\)$/,
      ),
    });
    expect(readinessOfCurrentStart(running([{ file: LOG, line: READINESS_LINE }]), WHERE)).toMatchObject({
      ready: false,
      why: expect.stringContaining('have no time this construct can read'),
    });
    expect(
      readinessOfCurrentStart(
        { processes: [], logged: [{ file: LOG, line: line('2026-12-02T20:00:01,000') }], logFiles: 1 },
        WHERE,
      ),
    ).toMatchObject({
      ready: false,
      why: expect.stringMatching(
        /^no DA process runs: no process names \/opt\/IMDataAggregator\/apache-karaf-\*/,
      ),
    });
    const noOffset: DaRun = { processes: [{ pid: 7, startedMs: START }], logged: [], logFiles: 1 };
    expect(readinessOfCurrentStart(noOffset, WHERE)).toMatchObject({
      ready: false,
      why: expect.stringContaining('UTC offset'),
    });
  });

  it('takes the newest DA process as the current start', () => {
    const twice: DaRun = {
      processes: [
        { pid: 1, startedMs: START - 60_000, utcOffsetMinutes: 0 },
        { pid: 2, startedMs: START, utcOffsetMinutes: 0 },
      ],
      logged: [{ file: LOG, line: line('2026-12-02T19:59:30,000') }],
      logFiles: 1,
    };
    expect(readinessOfCurrentStart(twice, WHERE)).toMatchObject({
      ready: false,
      why: expect.stringContaining('(pid 2)'),
    });
  });
});

describe('readAggregatorState', () => {
  it('takes the status line first, whatever the reading', () => {
    expect(readAggregatorState('Inactive', 0, true, 'process')).toEqual({
      state: 'Inactive',
      readBy: 'status',
    });
  });

  it('keeps an answer without the line unknown by default', () => {
    expect(readAggregatorState(undefined, 3, false, 'unknown')).toEqual({});
  });

  it('reads the DA process with "process", when the service control answered (exit 0 or 3)', () => {
    expect(readAggregatorState(undefined, 0, true, 'process')).toEqual({
      state: 'Active',
      readBy: 'process',
    });
    expect(readAggregatorState(undefined, 3, false, 'process')).toEqual({
      state: 'Inactive',
      readBy: 'process',
    });
    // Not installed (127), or a failure: no answer of the service, so no state.
    expect(readAggregatorState(undefined, 127, false, 'process')).toEqual({});
    expect(readAggregatorState(undefined, null, false, 'process')).toEqual({});
  });
});

describe('aggregatorProblems', () => {
  const status = (
    label: string,
    state: AggregatorStatus['state'],
    ready: boolean,
    notReady?: string,
  ): AggregatorStatus => ({
    label,
    ...(state ? { state } : {}),
    said: '',
    code: 0,
    statusLine: 'Data Aggregator status: {state}',
    ready,
    ...(notReady ? { notReady } : {}),
  });

  it('asks readiness of the Active one only: a standby with no DA process and no line is healthy', () => {
    expect(
      aggregatorProblems([
        status('da1', 'Active', true),
        status('da2', 'Inactive', false, 'no DA process runs'),
      ]),
    ).toEqual([]);
  });

  it('names why the Active one is not ready', () => {
    expect(
      aggregatorProblems([
        status('da1', 'Active', false, 'no DA process runs: …'),
        status('da2', 'Inactive', false),
      ]),
    ).toEqual(['da1 is Active but not ready: no DA process runs: …']);
  });
});
