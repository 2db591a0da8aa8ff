/**
 * Faults on the lab, each with real terraform: the failure names the host and the step, leaves no
 * half-written file (the previous content and its backups intact), and after the repair the next
 * apply converges without running anything twice. The table of faults is printed at the end.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostSteps, HostStepProps } from '../../index';
import type { HostProps } from '../../index';
import { execInHost, hostPath, LabHost, LabInventory, resetHost, startLab } from '../lab/lab';
import { labHostProps } from '../support/lab-hosts';
import { apply, init, synthStack, TerraformRun } from '../support/terraform';

jest.setTimeout(240_000);

let lab: LabInventory;
let a: LabHost;
const table: string[][] = [];

beforeAll(async () => {
  lab = await startLab();
  a = lab.hosts[0];
});
beforeEach(() => resetHost(a.name));
afterAll(() => {
  resetHost(a.name);
  console.log(
    [
      'fault | message | time to fail | converged after repair',
      '--- | --- | --- | ---',
      ...table.map((r) => r.join(' | ')),
    ].join('\n'),
  );
});

const inHost = (...argv: string[]) => {
  const r = execInHost(a.name, argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} on ${a.name}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
};
const read = (p: string) => fs.readFileSync(hostPath(a.name, p), 'utf8');

/** A config file and a command that must run exactly once (its check says whether it did). */
function steps(host: HostProps): HostStepProps[] {
  return [
    {
      id: 'work',
      description: 'config and a one-time command',
      host,
      actions: [
        { kind: 'file', path: '/srv/ro/app.conf', content: 'new\n' },
        {
          kind: 'command',
          description: 'one-time setup',
          check: { argv: ['grep', '-q', 'done', '/srv/once'] },
          run: {
            argv: ['sh', '-c', 'sleep "$(cat /srv/delay 2>/dev/null || echo 0)"; echo done >> /srv/once'],
          },
        },
      ],
    },
  ];
}

async function stack(host: HostProps = labHostProps(lab, a)): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-faults-'));
  const dir = synthStack((s) => new HostSteps(s, 'Steps', { steps: steps(host) }), { outdir });
  await init(dir);
  return dir;
}

/** Before each fault: the file exists with old content and a backup of an even older one. */
function seedFiles(): void {
  inHost(
    'sh',
    '-c',
    'mkdir -p /srv/ro && echo old > /srv/ro/app.conf && echo older > /srv/ro/app.conf.cdktf-failover-backup-20260101T000000000Z',
  );
}

function expectUntouched(): void {
  expect(read('/srv/ro/app.conf')).toBe('old\n');
  // No temporary file left beside it; the old backup still there.
  expect(fs.readdirSync(hostPath(a.name, '/srv/ro')).sort()).toEqual([
    'app.conf',
    'app.conf.cdktf-failover-backup-20260101T000000000Z',
  ]);
}

async function convergesAfter(
  dir: string,
  fault: string,
  failed: TerraformRun,
  started: number,
): Promise<void> {
  const took = ((Date.now() - started) / 1000).toFixed(1);
  const reason =
    failed.reports.find((r) => r.outcome === 'failed')?.reason ??
    failed.output.split('\n').find((l) => l.includes('FAILED')) ??
    '';
  const next = await apply(dir);
  expect(next.code).toBe(0);
  expect(read('/srv/ro/app.conf')).toBe('new\n');
  // The one-time command ran once in all, whatever the fault.
  expect(read('/srv/once')).toBe('done\n');
  const again = await apply(dir);
  expect(again.reports).toEqual([]);
  table.push([fault, reason.split('\n')[0].replace(/\|/g, '\\|'), `${took} s`, 'yes']);
}

test('sshd stopped before the step', async () => {
  seedFiles();
  const dir = await stack(labHostProps(lab, a, { connectTimeoutSeconds: 2 }));
  inHost('pkill', '-x', 'sshd');
  const started = Date.now();
  const failed = await apply(dir);
  expect(failed.code).not.toBe(0);
  expect(failed.reports[0]).toMatchObject({ step: 'work', host: 'lab-a', outcome: 'failed' });
  expect(failed.reports[0].reason).toMatch(
    /^lab-a: cannot reach 198\.18\.0\.11:22 over SSH: .* ECONNREFUSED .*Check that sshd runs there/,
  );
  expectUntouched();
  inHost('/usr/sbin/sshd', '-E', '/var/log/lab-sshd.log');
  await convergesAfter(dir, 'sshd stopped before the step', failed, started);
});

test("the connection cut mid-step (the session's server process killed)", async () => {
  seedFiles();
  inHost('sh', '-c', 'echo 3 > /srv/delay');
  const dir = await stack();
  const started = Date.now();
  const running = apply(dir);
  // Wait until the file is written and the one-time command runs (bounded: a busy machine is slow
  // to start terraform), then kill the server side of the session (not the listener).
  const inProgress = () =>
    fs.existsSync(hostPath(a.name, '/srv/ro/app.conf')) &&
    read('/srv/ro/app.conf') === 'new\n' &&
    execInHost(a.name, ['pgrep', '-f', '^sleep 3$']).code === 0;
  for (let i = 0; i < 1200 && !inProgress(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(inProgress()).toBe(true);
  inHost('pkill', '-f', 'sshd: root');
  const failed = await running;
  expect(failed.code).not.toBe(0);
  expect(failed.reports[0]).toMatchObject({ step: 'work', host: 'lab-a', outcome: 'failed' });
  expect(failed.reports[0].reason).toMatch(
    /^lab-a: the connection was lost during the step \(the remote shell ended\); a command that was running may still finish on the host\. Deploy again/,
  );
  // The write before the command completed atomically: the new file, the old content kept as a backup.
  expect(read('/srv/ro/app.conf')).toBe('new\n');
  expect(fs.readdirSync(hostPath(a.name, '/srv/ro')).filter((f) => f.includes('backup'))).toHaveLength(2);
  // The command itself finishes on the host (its own session), so the next apply does not repeat it.
  await new Promise((r) => setTimeout(r, 3500));
  await convergesAfter(dir, 'the connection cut mid-step', failed, started);
});

test('a command that hangs', async () => {
  seedFiles();
  inHost('sh', '-c', 'echo 30 > /srv/delay');
  const dir = await stack(labHostProps(lab, a, { commandTimeoutSeconds: 2 }));
  const started = Date.now();
  const failed = await apply(dir);
  expect(failed.reports[0].reason).toBe(
    'lab-a: one-time setup did not finish within 2 s; its whole process group on the host was killed.',
  );
  expect(execInHost(a.name, ['pgrep', '-f', 'sleep 30']).code).toBe(1);
  expect(fs.existsSync(hostPath(a.name, '/srv/once'))).toBe(false);
  inHost('sh', '-c', 'echo 0 > /srv/delay');
  await convergesAfter(dir, 'a command that hangs', failed, started);
});

test('a disk that refuses writes (read-only file system)', async () => {
  inHost('sh', '-c', 'mkdir -p /srv/ro && mount -t tmpfs tmpfs /srv/ro');
  seedFiles();
  inHost('mount', '-o', 'remount,ro', '/srv/ro');
  const dir = await stack();
  const started = Date.now();
  const failed = await apply(dir);
  expect(failed.reports[0]).toMatchObject({ step: 'work', host: 'lab-a', outcome: 'failed' });
  expect(failed.reports[0].reason).toMatch(
    /^writing \/srv\/ro\/app\.conf failed on lab-a \(exit \d+\):\n.*Read-only file system/,
  );
  expectUntouched();
  // The one-time command came after the failed write: it did not run.
  expect(fs.existsSync(hostPath(a.name, '/srv/once'))).toBe(false);
  inHost('mount', '-o', 'remount,rw', '/srv/ro');
  await convergesAfter(dir, 'a read-only file system', failed, started);
});

test('a wrong host key, and nothing listening', async () => {
  seedFiles();
  const wrongKey = await stack(labHostProps(lab, a, { hostKeySha256: lab.hosts[1].hostKeySha256 }));
  let started = Date.now();
  const refused = await apply(wrongKey);
  expect(refused.reports[0].reason).toMatch(
    /^lab-a: host key mismatch at 198\.18\.0\.11:22: pinned .*Nothing was changed/,
  );
  expectUntouched();
  table.push([
    'a wrong host key',
    refused.reports[0].reason!.split('.')[0],
    `${((Date.now() - started) / 1000).toFixed(1)} s`,
    'yes, with the right key (below)',
  ]);

  const nobody = await stack(labHostProps(lab, a, { port: 2222, connectTimeoutSeconds: 2 }));
  started = Date.now();
  const closed = await apply(nobody);
  expect(closed.reports[0].reason).toMatch(/ECONNREFUSED 198\.18\.0\.11:2222/);
  expectUntouched();
  table.push([
    'nothing listening',
    closed.reports[0].reason!.split(',')[0],
    `${((Date.now() - started) / 1000).toFixed(1)} s`,
    'yes, on the right port (below)',
  ]);

  const fixed = await stack();
  started = Date.now();
  await convergesAfter(fixed, 'the right key and port', await apply(fixed), started);
});
