/**
 * One step at a time changes a host: the runner's step lock, held by the host's persistent shell
 * (the real agent, run locally), keeps two steps that edit one file from both reading it before
 * either writes it, even when nothing at synth orders them (two stacks, a runner run by hand).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Action } from '../../src/actions';
import { ActionRegistry } from '../../src/runner/action-registry';
import { BUILTIN_ACTIONS } from '../../src/runner/builtin-actions';
import { executeStep, StepReport } from '../../src/runner/execute-step';
import { CommandExecutor, RemoteHost } from '../../src/runner/remote-host';
import type { CommandBatcher } from '../../src/runner/shell-agent';
import type { ExecOptions, ExecResult } from '../../src/runner/ssh-session';
import type { StepSpec } from '../../src/step';
import { closeLocalExecutors, LOCAL_HOST, LocalExecutor } from '../support/local-executor';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-lock-'))));
afterEach(async () => {
  await closeLocalExecutors();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The local agent, each batch delayed on the way there and back: a host across a slow network. */
class SlowExecutor implements CommandExecutor {
  readonly local = new LocalExecutor();
  constructor(private readonly latencyMs: number) {}
  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return this.local.exec(command, options);
  }
  async agent(): Promise<CommandBatcher> {
    const agent = await this.local.agent();
    return {
      batch: async (requests, timeoutMs) => {
        await sleep(this.latencyMs);
        const responses = await agent.batch(requests, timeoutMs);
        await sleep(this.latencyMs);
        return responses;
      },
    };
  }
}

function hostOver(executor: CommandExecutor): RemoteHost {
  return new RemoteHost(LOCAL_HOST, executor, path.join(dir, 'state'));
}

/** A step, run as the runner runs it: its own connection, closed when the step is over. */
async function runStep(id: string, actions: Action[], latencyMs: number): Promise<StepReport> {
  const executor = new SlowExecutor(latencyMs);
  const spec: StepSpec = { specVersion: 1, id, description: id, host: LOCAL_HOST, actions, when: 'create' };
  try {
    return await executeStep(spec, {
      connect: async () => hostOver(executor),
      handlers: new ActionRegistry().add('built-in', BUILTIN_ACTIONS),
    });
  } finally {
    await executor.local.close();
  }
}

describe("the host's step lock", () => {
  it('two steps adding a line each to one fstab at once, over a slow network: both lines are kept', async () => {
    const fstab = path.join(dir, 'fstab');
    fs.writeFileSync(fstab, 'proc /proc proc defaults 0 0\n');
    const lines = ['198.18.0.2:/a /mnt/a nfs4 defaults 0 0', '198.18.0.2:/b /mnt/b nfs4 defaults 0 0'];
    const reports = await Promise.all(
      lines.map((line, i) => runStep(`mount-${i}`, [{ kind: 'line', path: fstab, line }], 200)),
    );
    expect(reports.map((r) => r.outcome)).toEqual(['changed', 'changed']);
    const written = fs.readFileSync(fstab, 'utf8').split('\n');
    expect(written).toEqual(expect.arrayContaining(lines));
  });

  it('a step that cannot take the lock in time runs nothing and says who to wait for', async () => {
    const holder = new LocalExecutor();
    const first = hostOver(holder);
    first.holdLock();
    expect((await first.run({ argv: ['true'] })).code).toBe(0);
    const waiting = new LocalExecutor();
    const second = hostOver(waiting);
    second.holdLock(1);
    const marker = path.join(dir, 'ran');
    await expect(second.run({ argv: ['touch', marker] })).rejects.toThrow(
      /^local: another cdktf-failover step held the host's step lock \(.*host\.lock\) for 1 s; nothing was changed\./,
    );
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('is released when the holding connection closes, even though a daemon its step started lives on', async () => {
    const holder = new LocalExecutor();
    const first = hostOver(holder);
    first.holdLock();
    const daemon = await first.run({
      argv: ['sh', '-c', 'sleep 60 >/dev/null 2>&1 </dev/null & echo $!'],
    });
    const daemonPid = Number(daemon.stdout.trim());
    try {
      await holder.close();
      const next = new LocalExecutor();
      const second = hostOver(next);
      second.holdLock(10);
      const started = Date.now();
      expect((await second.run({ argv: ['true'] })).code).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(() => process.kill(daemonPid, 0)).not.toThrow();
    } finally {
      process.kill(daemonPid, 'SIGKILL');
    }
  });

  it('a check does not wait for it: checks only read', async () => {
    const holder = new LocalExecutor();
    const first = hostOver(holder);
    first.holdLock();
    await first.run({ argv: ['true'] });
    const executor = new LocalExecutor();
    const report = await executeStep(
      {
        specVersion: 1,
        id: 'check',
        description: 'check',
        host: LOCAL_HOST,
        actions: [{ kind: 'file', path: path.join(dir, 'f'), content: 'x\n' }],
        when: 'create',
      },
      {
        connect: async () => hostOver(executor),
        handlers: new ActionRegistry().add('built-in', BUILTIN_ACTIONS),
        checkOnly: true,
      },
    );
    expect(report.outcome).toBe('changed');
    expect(fs.existsSync(path.join(dir, 'f'))).toBe(false);
  });
});
