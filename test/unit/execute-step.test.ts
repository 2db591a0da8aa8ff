import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Action } from '../../src/actions';
import { ActionRegistry } from '../../src/runner/action-registry';
import { BUILTIN_ACTIONS } from '../../src/runner/builtin-actions';
import { executeStep } from '../../src/runner/execute-step';
import { RemoteHost, Traffic } from '../../src/runner/remote-host';
import { formatActionLine, formatStepLine } from '../../src/runner/report';
import type { StepSpec } from '../../src/step';
import { LOCAL_HOST, LocalExecutor } from '../support/local-executor';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-step-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(actions: Action[], checkOnly = false) {
  const spec: StepSpec = {
    specVersion: 1,
    id: 'demo',
    description: 'demo step',
    host: LOCAL_HOST,
    actions,
    when: 'create',
  };
  const traffic = new Traffic();
  const executor = new LocalExecutor();
  const host = new RemoteHost(LOCAL_HOST, executor, path.join(dir, 'state'), traffic);
  return executeStep(spec, {
    connect: async () => host,
    handlers: new ActionRegistry().add('built-in', BUILTIN_ACTIONS),
    checkOnly,
    traffic,
  }).finally(() => executor.close());
}

describe('round trips per step', () => {
  const twenty = (): Action[] =>
    Array.from({ length: 20 }, (_, i): Action => {
      if (i % 3 === 0) return { kind: 'file', path: `${dir}/f${i}`, content: `file ${i}\n`, mode: '0640' };
      if (i % 3 === 1)
        return {
          kind: 'config',
          format: 'ini',
          createIfMissing: true,
          path: `${dir}/app.ini`,
          settings: [{ key: `s.k${i}`, value: `${i}` }],
        };
      return { kind: 'line', path: `${dir}/hosts`, line: `10.0.0.${i} h${i}`, match: `\\sh${i}$` };
    });

  it('20 built-in actions: facts, changes and verification in 3 round trips; a second run in 1', async () => {
    const first = await run(twenty());
    expect(first.outcome).toBe('changed');
    expect(first.roundTrips).toBe(3);
    expect(first.remoteCommands).toBe(3);
    // Seven INI actions edit one file: each saw the previous one's result.
    expect(fs.readFileSync(`${dir}/app.ini`, 'utf8').match(/^k\d+ = /gm)).toHaveLength(7);
    const second = await run(twenty());
    expect(second.outcome).toBe('ok');
    expect(second.actions.every((a) => a.outcome === 'ok')).toBe(true);
    expect(second.roundTrips).toBe(1);
  });

  it('a command whose check reads a file an earlier action writes is checked after that write', async () => {
    const actions: Action[] = [
      { kind: 'file', path: `${dir}/flag`, content: 'on\n' },
      {
        kind: 'command',
        description: 'only while the flag is off',
        check: { argv: ['grep', '-q', 'on', `${dir}/flag`] },
        run: { argv: ['touch', `${dir}/ran`] },
      },
    ];
    const report = await run(actions);
    expect(report.actions.map((a) => a.outcome)).toEqual(['changed', 'ok']);
    expect(fs.existsSync(`${dir}/ran`)).toBe(false);
    // Facts, the write, the check asked again, the verification.
    expect(report.roundTrips).toBe(4);
  });

  it('a failing change stops the rest of the batch on the host and names the action', async () => {
    const report = await run([
      { kind: 'file', path: `${dir}/a`, content: 'a\n' },
      { kind: 'command', description: 'fails', run: { argv: ['sh', '-c', 'echo broken >&2; exit 4'] } },
      { kind: 'file', path: `${dir}/b`, content: 'b\n' },
    ]);
    expect(report.outcome).toBe('failed');
    expect(report.actions.map((a) => a.outcome)).toEqual(['changed', 'failed']);
    expect(report.reason).toBe('fails failed on local (exit 4):\nbroken');
    expect(fs.existsSync(`${dir}/a`)).toBe(true);
    expect(fs.existsSync(`${dir}/b`)).toBe(false);
  });
});

describe('executeStep with the built-in actions', () => {
  const actions = (): Action[] => [
    { kind: 'file', path: `${dir}/role`, content: 'primary\n', mode: '0640' },
    {
      kind: 'config',
      format: 'ini',
      createIfMissing: true,
      path: `${dir}/pair.conf`,
      settings: [{ key: 'pair.peer', value: '10.0.0.2' }],
    },
    { kind: 'line', path: `${dir}/hosts`, line: '10.0.0.2 peer', match: '\\speer$' },
    {
      kind: 'command',
      description: 'state dir',
      check: { argv: ['test', '-d', `${dir}/state-dir`] },
      run: { argv: ['mkdir', `${dir}/state-dir`] },
    },
  ];

  it('changes what differs, then reports every action ok on a second run', async () => {
    const first = await run(actions());
    expect(first.outcome).toBe('changed');
    expect(first.actions.map((a) => a.outcome)).toEqual(['changed', 'changed', 'changed', 'changed']);
    expect(fs.readFileSync(`${dir}/pair.conf`, 'utf8')).toBe('[pair]\npeer = 10.0.0.2\n');
    const second = await run(actions());
    expect(second.outcome).toBe('ok');
    expect(second.actions.map((a) => a.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('in check mode reports what would change and changes nothing', async () => {
    const report = await run(actions(), true);
    expect(report.actions.map((a) => a.detail)).toEqual([
      'would create',
      'would create',
      'would create',
      'would run',
    ]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('notices a changed mode alone', async () => {
    await run(actions());
    fs.chmodSync(`${dir}/role`, 0o666);
    const report = await run(actions());
    expect(report.actions[0]).toMatchObject({ outcome: 'changed' });
    expect((fs.statSync(`${dir}/role`).mode & 0o777).toString(8)).toBe('640');
  });

  it('stops at the first failure, naming the action and the tail of stderr', async () => {
    const report = await run([
      {
        kind: 'command',
        description: 'failing thing',
        run: { argv: ['sh', '-c', 'echo progress; echo "disk full" >&2; exit 7'] },
      },
      { kind: 'file', path: `${dir}/never`, content: 'x' },
    ]);
    expect(report.outcome).toBe('failed');
    expect(report.reason).toBe('failing thing failed on local (exit 7):\ndisk full');
    expect(report.actions).toHaveLength(1);
    expect(fs.existsSync(`${dir}/never`)).toBe(false);
    expect(formatStepLine(report)).toMatch(
      /^\[failover\] local demo: FAILED in \d+\.\d\ds: failing thing failed on local \(exit 7\):\ndisk full$/,
    );
  });

  it('fails when a command runs but its verification still fails', async () => {
    const report = await run([
      { kind: 'command', description: 'make it so', check: { argv: ['false'] }, run: { argv: ['true'] } },
    ]);
    expect(report.reason).toMatch(/make it so on local ran, but its verification still fails \(exit 1\)/);
  });

  it('remembers a notification across a failed run and runs its handler on the next run', async () => {
    const restartLog = `${dir}/restarts`;
    const restart: Action = {
      kind: 'command',
      description: 'restart service',
      whenNotified: 'restart-svc',
      run: { argv: ['sh', '-c', 'echo restarted >> "$1"', 'sh', restartLog] },
    };
    const change: Action = {
      kind: 'file',
      path: `${dir}/svc.conf`,
      content: 'v2\n',
      notifies: 'restart-svc',
    };
    const failing: Action = { kind: 'command', description: 'flaky', run: { argv: ['false'] } };

    expect((await run([change, failing, restart])).outcome).toBe('failed');
    expect(fs.existsSync(restartLog)).toBe(false);
    // The change is already made, so this run changes no file; the restart still happens once.
    const retry = await run([change, restart]);
    expect(retry.actions.map((a) => a.outcome)).toEqual(['ok', 'changed']);
    expect(fs.readFileSync(restartLog, 'utf8')).toBe('restarted\n');
    const third = await run([change, restart]);
    expect(third.outcome).toBe('ok');
  });

  it('names an unknown action kind', async () => {
    const report = await run([{ kind: 'future.thing' } as Action]);
    expect(report.reason).toMatch(/no action "future.thing"/);
  });

  it('formats progress lines with host, step, outcome and detail', () => {
    expect(
      formatActionLine('demo', 'lab-a', {
        action: 'file /etc/x',
        outcome: 'changed',
        detail: 'previous content kept in /etc/x.bak',
      }),
    ).toBe('[failover] lab-a demo: changed file /etc/x (previous content kept in /etc/x.bak)');
  });
});

describe('backups', () => {
  it('keeps the most recent keepBackups per file, never fewer than one, and deletes older ones', async () => {
    const host = { ...LOCAL_HOST, keepBackups: 2 };
    const write = async (content: string) => {
      const traffic = new Traffic();
      const executor = new LocalExecutor();
      const remote = new RemoteHost(host, executor, path.join(dir, 'state'), traffic);
      const spec: StepSpec = {
        specVersion: 1,
        id: 'demo',
        description: 'demo',
        host,
        actions: [{ kind: 'file', path: `${dir}/conf`, content }],
        when: 'create',
      };
      return executeStep(spec, {
        connect: async () => remote,
        handlers: new ActionRegistry().add('built-in', BUILTIN_ACTIONS),
        traffic,
      }).finally(() => executor.close());
    };
    for (const version of ['1\n', '2\n', '3\n', '4\n', '5\n']) {
      await write(version);
      await new Promise((r) => setTimeout(r, 5));
    }
    const backups = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('conf.cdktf-failover-backup-'))
      .sort();
    expect(backups).toHaveLength(2);
    // The two most recent previous contents: 3 and 4 (5 is the file itself).
    expect(backups.map((b) => fs.readFileSync(path.join(dir, b), 'utf8'))).toEqual(['3\n', '4\n']);
    expect(fs.readFileSync(`${dir}/conf`, 'utf8')).toBe('5\n');
  });
});

describe('file facts are framed by bytes', () => {
  it('reads a file that is not UTF-8 beside others without losing its place', async () => {
    fs.writeFileSync(`${dir}/latin1.conf`, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])); // "café" in Latin-1
    fs.writeFileSync(`${dir}/next.conf`, 'same\n');
    const report = await run([
      { kind: 'line', path: `${dir}/latin1.conf`, line: 'extra', state: 'absent' },
      { kind: 'file', path: `${dir}/next.conf`, content: 'same\n' },
    ]);
    expect(report.reason).toBeUndefined();
    expect(report.actions.map((a) => a.outcome)).toEqual(['ok', 'ok']);
  });
});
