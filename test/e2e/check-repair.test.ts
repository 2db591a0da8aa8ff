/**
 * `cdktf-failover check` and `repair` as a pipeline uses them: drift made by hand on a lab host is
 * found (exit 2) with the exact terraform command that repairs it and the restart it would cause;
 * repair converges; an unreachable host is an error (exit 1), never "no drift".
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostSteps, HostStepProps } from '../../index';
import { hostPath, LabHost, LabInventory, resetHost, startLab } from '../lab/lab';
import { labHostProps } from '../support/lab-hosts';
import { apply, init, synthStack } from '../support/terraform';

jest.setTimeout(180_000);

const RUNNER = path.join(__dirname, '..', '..', 'dist', 'runner.cjs');
let lab: LabInventory;
let a: LabHost;

beforeAll(async () => {
  lab = await startLab();
  a = lab.hosts[0];
});
beforeEach(() => resetHost(a.name));
afterAll(() => resetHost(a.name));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [RUNNER, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function steps(host = labHostProps(lab, a)): HostStepProps[] {
  return [
    {
      id: 'config',
      description: 'app configuration',
      host,
      actions: [
        { kind: 'file', path: '/etc/app/app.conf', content: 'port=7000\n', notifies: 'restart-app' },
        {
          kind: 'command',
          description: 'restart the app',
          whenNotified: 'restart-app',
          run: { argv: ['sh', '-c', 'echo restarted >> /var/log/app-restarts'] },
        },
      ],
    },
    {
      id: 'verify',
      description: 'the app reads its port',
      host,
      after: ['config'],
      actions: [
        {
          kind: 'command',
          description: 'port 7000 configured',
          check: { argv: ['grep', '-qx', 'port=7000', '/etc/app/app.conf'] },
          run: { argv: ['false'] },
        },
      ],
    },
  ];
}

async function deployed(stepProps: HostStepProps[]): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-check-'));
  const dir = synthStack((s) => new HostSteps(s, 'Steps', { steps: stepProps }), { outdir });
  await init(dir);
  return dir;
}

test('no drift: exit 0; a hand edit: exit 2 with the repair command and the restart; repair converges', async () => {
  const dir = await deployed(steps());
  expect((await apply(dir)).code).toBe(0);
  const restarts = () => fs.readFileSync(hostPath(a.name, '/var/log/app-restarts'), 'utf8');
  expect(restarts()).toBe('restarted\n');

  const clean = cli('check', dir);
  expect(clean.code).toBe(0);
  expect(clean.out).toContain('Every host is as the stack wants it.');

  fs.writeFileSync(hostPath(a.name, '/etc/app/app.conf'), 'port=7001\n');
  const drift = cli('check', dir);
  expect(drift.code).toBe(2);
  // The edited step, and the verification after it, which sees the wrong port too.
  expect(drift.out).toMatch(
    /2 step\(s\) would change a host: terraform_data\.\S*config\S*, terraform_data\.\S*verify\S*/,
  );
  expect(drift.out).toContain('(would update; notifies restart-app)');
  // The drifted step and the step that verifies after it, in stack order.
  expect(drift.out).toMatch(
    new RegExp(
      `terraform -chdir=${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} apply -replace=terraform_data\\.\\S*config\\S* -replace=terraform_data\\.\\S*verify\\S*`,
    ),
  );
  expect(fs.readFileSync(hostPath(a.name, '/etc/app/app.conf'), 'utf8')).toBe('port=7001\n');

  const json = cli('check', dir, '--json');
  expect(json.code).toBe(2);
  const report = JSON.parse(json.out.trim().split('\n').pop()!);
  expect(report).toMatchObject({ event: 'check', outcome: 'drift' });
  expect(report.replace).toHaveLength(2);
  expect(report.repair.slice(0, 3)).toEqual(['terraform', `-chdir=${dir}`, 'apply']);

  const repaired = cli('repair', dir, '--', '-auto-approve', '-input=false', '-no-color');
  expect(repaired.code).toBe(0);
  expect(fs.readFileSync(hostPath(a.name, '/etc/app/app.conf'), 'utf8')).toBe('port=7000\n');
  expect(restarts()).toBe('restarted\nrestarted\n');
  expect(cli('check', dir).code).toBe(0);
  expect(cli('repair', dir).out).toContain('nothing to repair');
});

test('a host that cannot be checked is an error (exit 1), never reported as no drift', async () => {
  const dir = await deployed(steps(labHostProps(lab, a, { port: 2222, connectTimeoutSeconds: 1 })));
  const result = cli('check', dir);
  expect(result.code).toBe(1);
  expect(result.out).toContain('could not be checked');
  expect(cli('repair', dir).code).toBe(1);
});
