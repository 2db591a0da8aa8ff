/**
 * The fact and operation frame (src/frame), on a real local shell: facts gathered in one round
 * trip, "missing" as documented, check-only mode, the pending marker written before the change and
 * cleared only after the verification, a change that does not hold failing with what is left.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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

test('as wanted: no change, and the report says why', async () => {
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'x');
  await expect(runOperation(OPERATION, { file, content: 'x' }, context())).resolves.toEqual({
    changed: false,
    detail: 'the file holds the wanted content',
  });
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

test('a change is made, verified, and its marker cleared', async () => {
  const file = path.join(dir, 'f');
  await expect(runOperation(OPERATION, { file, content: 'x' }, context())).resolves.toEqual({
    changed: true,
    detail: `wrote ${file}`,
  });
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
