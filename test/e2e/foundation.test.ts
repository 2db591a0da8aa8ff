/**
 * The step engine end to end: real terraform, the bundled runner, real sshd lab hosts.
 * Hosts: lab-a and lab-b.
 */
import { labHostProps } from '../support/lab-hosts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataResource, Token } from '../../src/cdktf';
import { HostSteps, HostStepProps, SshCredentials } from '../../index';
import type { HostProps } from '../../index';
import { hostPath, LabHost, LabInventory, resetHost, runOnHost, startLab } from '../lab/lab';
import { apply, destroy, init, stateResources, synthStack } from '../support/terraform';

jest.setTimeout(240_000);

let lab: LabInventory;
let a: LabHost;
let b: LabHost;

const hostProps = (h: LabHost, extra: Partial<HostProps> = {}): HostProps => labHostProps(lab, h, extra);

async function deployFresh(steps: HostStepProps[]) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-e2e-'));
  const dir = synthStack((s) => new HostSteps(s, 'Steps', { steps }), { outdir, engine: 'terraform_data' });
  await init(dir);
  return { dir, first: await apply(dir) };
}

beforeAll(async () => {
  lab = await startLab();
  [a, b] = ['lab-a', 'lab-b'].map((n) => lab.hosts.find((h) => h.name === n)!);
});
beforeEach(() => ['lab-a', 'lab-b'].forEach(resetHost));

const read = (h: LabHost, p: string) => fs.readFileSync(hostPath(h.name, p), 'utf8');
const exists = (h: LabHost, p: string) => fs.existsSync(hostPath(h.name, p));

describe('deploying generic steps to two lab hosts', () => {
  it('makes the hosts as wanted, then a second deploy changes nothing, and a forced re-run reports every step ok', async () => {
    fs.writeFileSync(
      hostPath('lab-b', '/etc/app.ini'),
      '# keep this comment\n[main]\nkeep = yes\nport = 1\n',
    );
    const steps: HostStepProps[] = [
      {
        id: 'on-a',
        description: 'files on lab-a',
        host: hostProps(a),
        actions: [
          { kind: 'file', path: '/etc/role', content: 'primary $(not run) `nor this`\n', mode: '0600' },
          { kind: 'line', path: '/etc/hosts', line: `${b.address} peer`, match: '\\speer$' },
        ],
      },
      {
        id: 'on-b',
        description: 'config on lab-b',
        host: hostProps(b),
        after: ['on-a'],
        actions: [
          {
            kind: 'config',
            format: 'ini',
            createIfMissing: true,
            path: '/etc/app.ini',
            settings: [{ key: 'main.port', value: '7000' }],
          },
          {
            kind: 'command',
            description: 'data dir',
            check: { argv: ['test', '-d', '/srv/data dir'] },
            run: { argv: ['mkdir', '/srv/data dir'] },
          },
        ],
      },
    ];
    const { dir, first } = await deployFresh(steps);
    expect(first.code).toBe(0);
    expect(first.reports.map((r) => [r.step, r.outcome])).toEqual([
      ['on-a', 'changed'],
      ['on-b', 'changed'],
    ]);
    expect(read(a, '/etc/role')).toBe('primary $(not run) `nor this`\n');
    expect((fs.statSync(hostPath('lab-a', '/etc/role')).mode & 0o777).toString(8)).toBe('600');
    expect(read(a, '/etc/hosts')).toMatch(new RegExp(`\\n${b.address.replace(/\./g, '\\.')} peer\\n$`));
    expect(read(b, '/etc/app.ini')).toBe('# keep this comment\n[main]\nkeep = yes\nport = 7000\n');
    expect(
      fs.readdirSync(hostPath('lab-b', '/etc')).filter((f) => f.startsWith('app.ini.cdktf-failover-backup-')),
    ).toHaveLength(1);
    expect(exists(b, '/srv/data dir')).toBe(true);
    expect(first.output).toMatch(
      /\[failover\] lab-b on-b: changed ini \/etc\/app.ini \(previous content kept in \/etc\/app.ini.cdktf-failover-backup-/,
    );

    const second = await apply(dir);
    expect(second.code).toBe(0);
    expect(second.output).toContain('No changes.');
    expect(second.reports).toEqual([]);

    const resources = await stateResources(dir);
    const forced = await apply(dir, { extraArgs: resources.map((r) => `-replace=${r}`) });
    expect(forced.code).toBe(0);
    expect(forced.reports.map((r) => [r.step, r.outcome])).toEqual([
      ['on-a', 'ok'],
      ['on-b', 'ok'],
    ]);
  });

  it('reaches a host through a bastion and resolves an address Token at apply time', async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-e2e-'));
    const dir = synthStack(
      (s) => {
        // The address comes from another resource, as it would from a VM the same stack creates.
        const inventory = new DataResource(s, 'inventory', { input: { address: b.address } });
        const address = inventory.getStringAttribute('output.address');
        expect(Token.isUnresolved(address)).toBe(true);
        new HostSteps(s, 'Steps', {
          steps: [
            {
              id: 'via-bastion',
              description: 'through lab-a',
              host: hostProps(b, { address, bastion: hostProps(a) }),
              actions: [{ kind: 'file', path: '/etc/reached', content: 'through the bastion\n' }],
            },
          ],
        });
      },
      { outdir, engine: 'terraform_data' },
    );
    await init(dir);
    const run = await apply(dir);
    expect(run.code).toBe(0);
    expect(run.reports).toEqual([
      expect.objectContaining({ step: 'via-bastion', outcome: 'changed', host: 'lab-b' }),
    ]);
    expect(read(b, '/etc/reached')).toBe('through the bastion\n');
    expect(exists(a, '/etc/reached')).toBe(false);
  });

  it('runs destroy-time steps on destroy', async () => {
    const { dir, first } = await deployFresh([
      {
        id: 'make',
        description: 'make',
        host: hostProps(a),
        actions: [{ kind: 'line', path: '/etc/fstab', line: 'x /mnt/x nfs4 hard 0 0' }],
      },
      {
        id: 'unmake',
        description: 'remove the line',
        host: hostProps(a),
        when: 'destroy',
        after: ['make'],
        actions: [{ kind: 'line', path: '/etc/fstab', line: 'x /mnt/x nfs4 hard 0 0', state: 'absent' }],
      },
    ]);
    expect(first.code).toBe(0);
    expect(read(a, '/etc/fstab')).toContain('x /mnt/x nfs4 hard 0 0\n');
    const removal = await destroy(dir);
    expect(removal.code).toBe(0);
    expect(removal.reports.map((r) => [r.step, r.outcome])).toEqual([['unmake', 'changed']]);
    expect(read(a, '/etc/fstab')).not.toContain('/mnt/x');
  });
});

describe('checking a stack without changing it', () => {
  it('reports, step by step, what a deploy would change, and changes nothing', async () => {
    const steps: HostStepProps[] = [
      {
        id: 'one',
        description: 'x',
        host: hostProps(a),
        actions: [{ kind: 'file', path: '/etc/checked', content: 'wanted\n' }],
      },
      {
        id: 'two',
        description: 'x',
        host: hostProps(b),
        after: ['one'],
        actions: [{ kind: 'line', path: '/etc/hosts', line: '10.9.9.9 nowhere' }],
      },
    ];
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-e2e-'));
    const dir = synthStack((s) => new HostSteps(s, 'Steps', { steps }), { outdir, engine: 'terraform_data' });
    fs.writeFileSync(hostPath('lab-a', '/etc/checked'), 'drifted\n');
    const hostsBefore = read(b, '/etc/hosts');
    const runner = path.join(
      dir,
      'assets',
      'FailoverRunner',
      fs.readdirSync(path.join(dir, 'assets', 'FailoverRunner'))[0],
      'runner.cjs',
    );
    const { execFileSync } = await import('node:child_process');
    const lines = execFileSync('node', [runner, '--check-stack', dir, '--json'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((r) => [r.step, r.outcome, r.checkOnly, r.actions[0].detail])).toEqual([
      ['one', 'changed', true, 'would update'],
      ['two', 'changed', true, 'would update'],
    ]);
    expect(read(a, '/etc/checked')).toBe('drifted\n');
    expect(read(b, '/etc/hosts')).toBe(hostsBefore);
  });
});

describe('failures a person can act on', () => {
  it('refuses a wrong pinned host key, naming the host and both fingerprints, and changes nothing', async () => {
    const wrong = `SHA256:${'A'.repeat(43)}`;
    const { first } = await deployFresh([
      {
        id: 'pinned',
        description: 'x',
        host: hostProps(a, { hostKeySha256: wrong }),
        actions: [{ kind: 'file', path: '/etc/should-not-exist', content: 'x' }],
      },
    ]);
    expect(first.code).not.toBe(0);
    expect(first.reports[0]).toMatchObject({ outcome: 'failed' });
    expect(first.reports[0].reason).toBe(
      `lab-a: host key mismatch at ${a.address}:${a.port}: pinned ${wrong}, the host presented ${a.hostKeySha256}. Nothing was changed. If the host was reinstalled, confirm the new key on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and update hostKeySha256.`,
    );
    expect(first.output).toContain('host key mismatch');
    expect(exists(a, '/etc/should-not-exist')).toBe(false);
  });

  it('gives up on an unreachable host within its connect timeout, saying what to check', async () => {
    const { first } = await deployFresh([
      {
        id: 'unreachable',
        description: 'x',
        // A real host where nothing listens on the port: refused at once, retried until the timeout.
        host: { ...hostProps(a, { port: 2222, connectTimeoutSeconds: 3 }), name: 'ghost' },
        actions: [{ kind: 'file', path: '/etc/x', content: 'x' }],
      },
    ]);
    expect(first.code).not.toBe(0);
    const report = first.reports[0];
    expect(report.reason).toMatch(
      new RegExp(
        `^ghost: cannot reach ${a.address.replace(/\./g, '\\.')}:2222 over SSH: \\d+ attempts in [23]\\.\\d s \\(connectTimeoutSeconds 3\\), the last: connect ECONNREFUSED ${a.address.replace(/\./g, '\\.')}:2222\\. Check that sshd runs there`,
      ),
    );
    // It keeps trying for the whole connect timeout, and says how long it tried.
    expect(report.durationMs).toBeGreaterThanOrEqual(2900);
    expect(report.durationMs).toBeLessThan(3000 + 2000);
  });

  it('fails at the step whose command fails, showing the tail of its stderr, and runs no later step', async () => {
    const { first } = await deployFresh([
      {
        id: 'broken',
        description: 'a failing command',
        host: hostProps(a),
        actions: [
          {
            kind: 'command',
            description: 'start the service',
            run: {
              argv: ['sh', '-c', 'echo "line 1" >&2; echo "service: port 7000 already in use" >&2; exit 3'],
            },
          },
        ],
      },
      {
        id: 'later',
        description: 'x',
        host: hostProps(b),
        after: ['broken'],
        actions: [{ kind: 'file', path: '/etc/later', content: 'x' }],
      },
    ]);
    expect(first.code).not.toBe(0);
    expect(first.reports.map((r) => [r.step, r.outcome])).toEqual([['broken', 'failed']]);
    expect(first.reports[0].reason).toBe(
      'start the service failed on lab-a (exit 3):\nline 1\nservice: port 7000 already in use',
    );
    expect(first.output).toMatch(
      /\[failover\] lab-a broken: FAILED in [\d.]+s: start the service failed on lab-a \(exit 3\):/,
    );
    expect(exists(b, '/etc/later')).toBe(false);
  });

  it('kills a remote command that outlives its timeout, with every process it started, saying so', async () => {
    const { first } = await deployFresh([
      {
        id: 'hangs',
        description: 'x',
        host: hostProps(a, { commandTimeoutSeconds: 2 }),
        actions: [
          {
            kind: 'command',
            description: 'wait for the service',
            run: { argv: ['sh', '-c', '(sleep 41; touch /tmp/orphan-ran) & sleep 42'] },
          },
        ],
      },
    ]);
    expect(first.code).not.toBe(0);
    expect(first.reports[0].reason).toBe(
      'lab-a: wait for the service did not finish within 2 s; its whole process group on the host was killed.',
    );
    expect(first.reports[0].durationMs).toBeLessThan(10_000);
    // Nothing of it runs on: the next apply would not start a second copy beside it.
    expect(runOnHost('lab-a', 'ps -eo args').stdout).not.toMatch(/sleep 4[12]/);
  });

  it('keeps a private key given by environment variable out of the state and the logs', async () => {
    const key = fs.readFileSync(lab.clientKeyPath, 'utf8');
    process.env.LAB_DEPLOY_KEY = key;
    try {
      const { dir, first } = await deployFresh([
        {
          id: 'env-key',
          description: 'x',
          host: hostProps(a, { credentials: SshCredentials.privateKeyEnv('LAB_DEPLOY_KEY') }),
          actions: [{ kind: 'file', path: '/etc/env-key', content: 'ok\n' }],
        },
      ]);
      expect(first.code).toBe(0);
      const keyBody = key.split('\n')[1];
      expect(first.output).not.toContain(keyBody);
      expect(fs.readFileSync(path.join(dir, 'terraform.tfstate'), 'utf8')).not.toContain(keyBody);
      expect(fs.readFileSync(path.join(dir, 'terraform.tfstate'), 'utf8')).toContain('LAB_DEPLOY_KEY');
    } finally {
      delete process.env.LAB_DEPLOY_KEY;
    }
  });
});
