import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AGENT_SCRIPT,
  FRAME_MISMATCH_STATUS,
  frameRequest,
  ResponseParser,
  ShellAgent,
} from '../../src/runner/shell-agent';

/** The agent as a host runs it: `sh -c AGENT_SCRIPT`, here on this machine. */
function startLocalAgent() {
  const child = spawn('sh', ['-c', AGENT_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  const agent = new ShellAgent(child.stdin, child.stdout, child.stderr);
  return { agent, child };
}

let started: ReturnType<typeof startLocalAgent>;
beforeEach(() => (started = startLocalAgent()));
afterEach(() => {
  started.agent.close();
  started.child.kill('SIGKILL');
});

test('a batch of commands is answered in order with exit status, stdout and stderr, byte for byte', async () => {
  const binary = Buffer.from([0, 1, 2, 255, 10, 13, 10]);
  const answers = await started.agent.batch(
    [
      { command: 'echo out; echo err >&2; exit 3', timeoutSeconds: 5 },
      { command: 'cat', stdin: binary, timeoutSeconds: 5 },
      { command: 'printf \'%s\' "$LC_ALL"', timeoutSeconds: 5 },
      { command: 'cat', timeoutSeconds: 5 },
    ],
    10_000,
  );
  expect(answers.map((a) => a.status)).toEqual([3, 0, 0, 0]);
  expect(answers[0].stdout.toString()).toBe('out\n');
  expect(answers[0].stderr.toString()).toBe('err\n');
  expect(answers[1].stdout.equals(binary)).toBe(true);
  expect(answers[2].stdout.toString()).toBe('C');
  expect(answers[3].stdout.length).toBe(0);
});

test('values in a command frame never become code of the agent', async () => {
  const canary = path.join(os.tmpdir(), `agent-canary-${process.pid}`);
  const hostile = `x\n1 0 5 9 0\ntouch ${canary}\n$(touch ${canary})\`touch ${canary}\``;
  const [answer] = await started.agent.batch([{ command: 'cat', stdin: hostile, timeoutSeconds: 5 }], 10_000);
  expect(answer.stdout.toString()).toBe(hostile);
  expect(fs.existsSync(canary)).toBe(false);
});

test('a failed command that must succeed skips the rest of its batch, not the next batch', async () => {
  const first = await started.agent.batch(
    [
      { command: 'exit 1', timeoutSeconds: 5, mustSucceed: true },
      { command: 'echo never', timeoutSeconds: 5 },
    ],
    10_000,
  );
  expect(first.map((a) => a.status)).toEqual([1, 'skipped']);
  const second = await started.agent.batch([{ command: 'echo again', timeoutSeconds: 5 }], 10_000);
  expect(second[0].stdout.toString()).toBe('again\n');
});

test("a timeout kills the command's whole process group, children included", async () => {
  const marker = path.join(os.tmpdir(), `agent-orphan-${process.pid}`);
  fs.rmSync(marker, { force: true });
  const started_ = Date.now();
  const [answer] = await started.agent.batch(
    [{ command: `(sleep 3; touch ${marker}) & sleep 30`, timeoutSeconds: 1 }],
    20_000,
  );
  expect(answer.status).toBe('timeout');
  expect(Date.now() - started_).toBeLessThan(5000);
  await new Promise((r) => setTimeout(r, 3500));
  // The background child was in the group: it never got to touch the marker.
  expect(fs.existsSync(marker)).toBe(false);
});

test('a transport failure rejects the batch with what the shell said', async () => {
  started.child.kill('SIGKILL');
  await expect(started.agent.batch([{ command: 'true', timeoutSeconds: 5 }], 5000)).rejects.toThrow(
    /remote shell/,
  );
});

test('frames and answers are parsed incrementally', () => {
  expect(
    frameRequest(7, { command: 'ls', stdin: 'ab', timeoutSeconds: 2.2, mustSucceed: true }).toString(),
  ).toBe(`7 1 3 2 2 ${createHash('sha256').update('ab').digest('hex')}\nlsab`);
  expect(frameRequest(8, { command: 'ls', timeoutSeconds: 1 }).toString()).toBe('8 0 1 2 0 -\nls');
  const parser = new ResponseParser();
  const bytes = Buffer.from('cdktf-failover-agent ready\n1 0 3 1\nabcd2 T 0 0\n');
  const seen = [...bytes].flatMap((b) => parser.push(Buffer.from([b])));
  expect(
    seen.map((s) => [s.id, s.response.status, s.response.stdout.toString(), s.response.stderr.toString()]),
  ).toEqual([
    [1, 0, 'abc', 'd'],
    [2, 'timeout', '', ''],
  ]);
  expect(() => new ResponseParser().push(Buffer.from('sudo: a password is required\n'))).toThrow(
    /did not start: sudo: a password is required/,
  );
});

/** Writes raw bytes to a fresh local agent, closes its stdin, and waits for it to end. */
function feedRaw(
  bytes: Buffer,
  prefix = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('sh', ['-c', `${prefix}${AGENT_SCRIPT}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.end(bytes);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('nothing runs that the agent did not receive whole', () => {
  const canary = path.join(os.tmpdir(), `agent-partial-${process.pid}`);
  beforeEach(() => fs.rmSync(canary, { force: true }));

  test('a connection cut mid-frame ends the shell and runs none of the partial command', async () => {
    const command = `touch ${canary}; echo the rest of a longer command`;
    const cut = `1 0 5 ${command.length} 0 -\n${command.slice(0, command.indexOf(';'))}`;
    const ended = await feedRaw(Buffer.from(cut));
    expect(ended.code).toBe(FRAME_MISMATCH_STATUS);
    expect(ended.stderr).toMatch(/request 1 announced \d+ command and 0 input bytes, \d+ and 0 arrived/);
    expect(ended.stdout).toBe('cdktf-failover-agent ready\n');
    expect(fs.existsSync(canary)).toBe(false);
  });

  test('an input whose sha256 differs from its header ends the shell before the command runs', async () => {
    const frame = frameRequest(1, { command: `touch ${canary}; cat`, stdin: 'payload', timeoutSeconds: 5 });
    const altered = Buffer.from(frame.toString().replace(/payload$/, 'PAYLOAD'));
    const ended = await feedRaw(altered);
    expect(ended.code).toBe(FRAME_MISMATCH_STATUS);
    expect(ended.stderr).toContain('the input of request 1 arrived altered (sha256 differs)');
    expect(fs.existsSync(canary)).toBe(false);
  });

  test('a garbled header ends the shell instead of being read as a command', async () => {
    const ended = await feedRaw(Buffer.from(`touch ${canary}\n`));
    expect(ended.code).toBe(FRAME_MISMATCH_STATUS);
    expect(ended.stderr).toContain('a request header was garbled');
    expect(fs.existsSync(canary)).toBe(false);
  });

  test('a large input under a small memory limit arrives whole: it is copied in bounded chunks', async () => {
    // 64 MiB of input where the agent may map only 48 MiB: one buffer the size of the input cannot
    // exist, so a reader that asks for one fails and would misread the rest of the pipe.
    const input = Buffer.alloc(64 * 1024 * 1024, 'x');
    const frames = Buffer.concat([
      Buffer.from('resume\n'),
      frameRequest(1, { command: 'sha256sum', stdin: input, timeoutSeconds: 60 }),
    ]);
    const ended = await feedRaw(frames, 'ulimit -v 49152; ');
    const answer = new ResponseParser().push(Buffer.from(ended.stdout));
    expect(answer.map((a) => [a.response.status, a.response.stdout.toString().split(' ')[0]])).toEqual([
      [0, createHash('sha256').update(input).digest('hex')],
    ]);
  }, 60_000);
});

test('a background child that keeps stdout open never leaks into a later answer', async () => {
  const [first] = await started.agent.batch(
    [{ command: '(sleep 0.3; echo LATE; sleep 0.3; echo LATER) & echo first', timeoutSeconds: 5 }],
    10_000,
  );
  expect(first.stdout.toString()).toBe('first\n');
  const [second] = await started.agent.batch(
    [{ command: 'sleep 1; echo second', timeoutSeconds: 5 }],
    10_000,
  );
  expect(second.stdout.toString()).toBe('second\n');
});
