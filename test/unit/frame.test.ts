/**
 * The fact and operation frame (src/frame), on a real local shell: facts gathered in one round
 * trip, "missing" as documented, check-only mode, the pending marker written before the change and
 * cleared only after the verification, a change that does not hold failing with what is left.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StepFailure } from '../../src/errors';
import { Fact, gatherFacts } from '../../src/frame/fact';
import { change, noop, Operation, runOperation } from '../../src/frame/operation';
import type { ActionContext } from '../../src/runner/action-handler';
import { RemoteHost, Traffic } from '../../src/runner/remote-host';
import { closeLocalExecutors, LOCAL_HOST, LocalExecutor } from '../support/local-executor';

let dir: string;
let host: RemoteHost;
let traffic: Traffic;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-frame-'));
  traffic = new Traffic();
  host = new RemoteHost(LOCAL_HOST, new LocalExecutor(), path.join(dir, 'state'), traffic);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
afterAll(() => closeLocalExecutors());
// Real local shells: generous on a busy machine.
jest.setTimeout(30_000);

/** A file's content; missing (exit 3): undefined. */
const fileFact = (file: string): Fact<string | undefined> => ({
  name: `the content of ${file}`,
  call: () => ({ command: { argv: ['sh', '-c', '[ -e "$1" ] || exit 3; cat -- "$1"', 'sh', file] } }),
  parse: (stdout) => stdout,
  missing: { status: 3, value: undefined },
});

interface Wanted {
  readonly file: string;
  readonly content: string;
  /** What the change really writes (a change that does not hold writes something else). */
  readonly writes?: string;
  readonly failWith?: number;
}

const OPERATION: Operation<Wanted, { current: Fact<string | undefined> }> = {
  facts: (action) => ({ current: fileFact(action.file) }),
  decide: ({ current }, action) =>
    current === action.content
      ? noop('the file holds the wanted content')
      : change({
          description: `wrote ${action.file}`,
          intent: `write ${action.file}`,
          reason: current === undefined ? 'it is missing' : `it holds "${current}"`,
          calls: [
            {
              command: {
                argv: [
                  'sh',
                  '-c',
                  action.failWith ? `exit ${action.failWith}` : 'printf %s "$2" > "$1"',
                  'sh',
                  action.file,
                  action.writes ?? action.content,
                ],
              },
            },
          ],
        }),
  pendingMarker: () => 'frame-test-write',
  notHeld: (after, action) => `${action.file} did not hold: ${after.changes.map((c) => c.reason).join('; ')}`,
};

const context = (checkOnly = false): ActionContext => ({
  host,
  connect: async () => host,
  checkOnly,
  aboutToChange: async () => undefined,
});

test('facts are gathered in one round trip, a missing one read as its documented value', async () => {
  fs.writeFileSync(path.join(dir, 'a'), 'A');
  const before = traffic.roundTrips;
  const values = await gatherFacts(host, {
    a: fileFact(path.join(dir, 'a')),
    b: fileFact(path.join(dir, 'b')),
  });
  expect(values).toEqual({ a: 'A', b: undefined });
  expect(traffic.roundTrips - before).toBe(1);
});

test('a fact whose command fails otherwise names the fact, the host and the output', async () => {
  const broken: Fact<string> = {
    name: 'the broken fact',
    call: () => ({ command: { argv: ['sh', '-c', 'echo nope >&2; exit 5'] } }),
    parse: (s) => s,
  };
  await expect(gatherFacts(host, { broken })).rejects.toThrow(
    'local: reading the broken fact failed (exit 5): nope',
  );
});

test('as wanted: no change, and the report says why, in one round trip (the marker read with the facts)', async () => {
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'x');
  const before = traffic.roundTrips;
  await expect(runOperation(OPERATION, { file, content: 'x' }, context())).resolves.toEqual({
    changed: false,
    detail: 'the file holds the wanted content',
  });
  expect(traffic.roundTrips - before).toBe(1);
});

test('check-only mode says what it would do and changes nothing', async () => {
  const file = path.join(dir, 'f');
  await expect(runOperation(OPERATION, { file, content: 'x' }, context(true))).resolves.toEqual({
    changed: true,
    detail: `would write ${file}`,
  });
  expect(fs.existsSync(file)).toBe(false);
  expect(await host.isPending('frame-test-write')).toBe(false);
});

test('a change is made, verified, and its marker cleared, in four round trips', async () => {
  const file = path.join(dir, 'f');
  const before = traffic.roundTrips;
  await expect(runOperation(OPERATION, { file, content: 'x' }, context())).resolves.toEqual({
    changed: true,
    detail: `wrote ${file}`,
  });
  // Facts and marker; the marker written and the change made; the facts again; the marker cleared.
  expect(traffic.roundTrips - before).toBe(4);
  expect(fs.readFileSync(file, 'utf8')).toBe('x');
  expect(await host.isPending('frame-test-write')).toBe(false);
});

test('a change that fails, or does not hold, leaves its marker: the next run verifies again', async () => {
  const file = path.join(dir, 'f');
  await expect(runOperation(OPERATION, { file, content: 'x', failWith: 4 }, context())).rejects.toThrow(
    `local: wrote ${file} failed (exit 4)`,
  );
  expect(await host.isPending('frame-test-write')).toBe(true);
  await expect(runOperation(OPERATION, { file, content: 'x', writes: 'y' }, context())).rejects.toThrow(
    `${file} did not hold: it holds "y"`,
  );
  expect(await host.isPending('frame-test-write')).toBe(true);
  // Someone fixed the file by hand: nothing to change, but the marker says a change is unverified.
  fs.writeFileSync(file, 'x');
  await expect(runOperation(OPERATION, { file, content: 'x' }, context())).resolves.toEqual({
    changed: false,
    detail: 'verified (the file holds the wanted content)',
  });
  expect(await host.isPending('frame-test-write')).toBe(false);
});

test('a list of facts is read in the same round trip, and a fact may read a failure as its answer', async () => {
  fs.writeFileSync(path.join(dir, 'a'), 'A');
  const exists = (file: string): Fact<boolean> => ({
    name: `whether ${file} exists`,
    call: () => ({ command: { argv: ['test', '-e', file] } }),
    parse: () => true,
    failure: () => false,
  });
  const before = traffic.roundTrips;
  const values = await gatherFacts(host, {
    a: fileFact(path.join(dir, 'a')),
    exist: [exists(path.join(dir, 'a')), exists(path.join(dir, 'b'))],
    none: [],
  });
  expect(values).toEqual({ a: 'A', exist: [true, false], none: [] });
  expect(traffic.roundTrips - before).toBe(1);
});

/** Writes a file as a change's data, then copies it: the copy shows the write ran first, in its place. */
const WRITE_THEN_COPY: Operation<Wanted, { current: Fact<string | undefined> }> = {
  facts: (action) => ({ current: fileFact(`${action.file}.copy`) }),
  decide: ({ current }, action) =>
    current === action.content
      ? noop('the copy holds the wanted content')
      : change({
          description: `wrote and copied ${action.file}`,
          calls: [
            { write: { path: action.file, content: action.content } },
            {
              command: {
                argv: ['sh', '-c', `cp -- "$1" "$1.copy"; exit ${action.failWith ?? 0}`, 'sh', action.file],
              },
              failure: (result, failedOn) =>
                `copying ${action.file} on ${failedOn.label} failed (exit ${result.code})`,
            },
          ],
        }),
  notHeld: (_after, action) => `${action.file}.copy did not hold`,
};

test('a change writes its files atomically, with a backup of the previous content, in order among its commands', async () => {
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'old');
  await expect(runOperation(WRITE_THEN_COPY, { file, content: 'new' }, context())).resolves.toEqual({
    changed: true,
    detail: `wrote and copied ${file}`,
  });
  expect(fs.readFileSync(`${file}.copy`, 'utf8')).toBe('new');
  const backups = fs.readdirSync(dir).filter((name) => name.startsWith('f.cdktf-failover-backup-'));
  expect(backups.map((name) => fs.readFileSync(path.join(dir, name), 'utf8'))).toEqual(['old']);
});

test('a failed command of a change says its own sentence', async () => {
  const file = path.join(dir, 'f');
  await expect(
    runOperation(WRITE_THEN_COPY, { file, content: 'new', failWith: 6 }, context()),
  ).rejects.toThrow(`copying ${file} on local failed (exit 6)`);
});

test('a decision sees the marker an earlier run left; the marker stays as it was until verified; the verification decides on the facts alone', async () => {
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'x');
  await host.setPending('frame-test-write', 'left by an earlier run');
  const markerFile = host.markerPath('frame-test-write');
  const seen: { pending: boolean; marker: string }[] = [];
  const resuming: Operation<Wanted, { current: Fact<string | undefined> }> = {
    ...OPERATION,
    decide: ({ current }, action, { pending }) => {
      seen.push({ pending, marker: fs.readFileSync(markerFile, 'utf8') });
      if (current !== action.content) return OPERATION.decide({ current }, action, { pending });
      return pending
        ? change({ description: 'finished the earlier change', calls: [{ command: { argv: ['true'] } }] })
        : noop('the file holds the wanted content');
    },
  };
  await expect(runOperation(resuming, { file, content: 'x' }, context())).resolves.toEqual({
    changed: true,
    detail: 'finished the earlier change',
  });
  expect(seen).toEqual([
    { pending: true, marker: 'left by an earlier run\n' },
    { pending: false, marker: 'left by an earlier run\n' },
  ]);
  expect(await host.isPending('frame-test-write')).toBe(false);
});

test('a fact reads its "missing" status as documented, any other failure through its own reading', async () => {
  // As a service query answers: 0 running, 4 no such service, anything else stopped.
  const service = (code: number): Fact<string> => ({
    name: `a service answering ${code}`,
    call: () => ({ command: { argv: ['sh', '-c', `exit ${code}`] } }),
    parse: () => 'running',
    missing: { status: 4, value: 'missing' },
    failure: () => 'stopped',
  });
  await expect(
    gatherFacts(host, { running: service(0), missing: service(4), stopped: service(3) }),
  ).resolves.toEqual({ running: 'running', missing: 'missing', stopped: 'stopped' });
});

test('a decision that refuses: the failure is its sentence, and nothing is recorded or changed', async () => {
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'someone else');
  const refusing: Operation<Wanted, { current: Fact<string | undefined> }> = {
    ...OPERATION,
    decide: ({ current }, action, state) => {
      if (current === 'someone else') throw new StepFailure(`${action.file} belongs to someone else`);
      return OPERATION.decide({ current }, action, state);
    },
  };
  const notified: string[] = [];
  const watching: ActionContext = { ...context(), aboutToChange: async () => void notified.push('notified') };
  await expect(runOperation(refusing, { file, content: 'x' }, watching)).rejects.toThrow(
    `${file} belongs to someone else`,
  );
  expect(notified).toEqual([]);
  expect(fs.readFileSync(file, 'utf8')).toBe('someone else');
  expect(await host.isPending('frame-test-write')).toBe(false);
});
