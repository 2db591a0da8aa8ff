/**
 * `npm run bench`: prints figures, asserts nothing.
 * 1. Synth time and peak memory for 10 / 100 / 1,000 steps (each in a fresh process).
 * 2. terraform plan time for the same stacks (Terraform's cost grows with resource count).
 * 3. Runner overhead per step on the lab: a no-op step's wall time against the remote command's own time.
 * 4. This library against Ansible, the same work on the same lab hosts (versus-ansible.ts).
 * 5. Each construct's lab deploy: first deploy, second deploy, forced re-run (DataMiner: per step, with
 *    round trips, and the cost of a PowerShell session).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SshSession } from '../../src/runner/ssh-session';
import type { HostConfig } from '../../src/schema/host';
import { startLab } from '../lab/lab';

const ROOT = path.join(__dirname, '..', '..');

function timeMs(fn: () => void): number {
  const started = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function timedBatch(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
const fmt = (ms: number) => `${ms.toFixed(0).padStart(7)} ms`;

function synthFigures(): void {
  console.log(
    'Synth (fresh process per size) and terraform plan (terraform_data only: null_resource needs a provider download)',
  );
  console.log('  engine           steps     synth   RSS before   peak RSS   terraform plan');
  for (const engine of ['terraform_data', 'null_resource']) {
    for (const steps of [10, 100, 1000]) {
      const out = execFileSync(
        process.execPath,
        [
          '-r',
          'ts-node/register/transpile-only',
          path.join(__dirname, 'synth-child.ts'),
          String(steps),
          engine,
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      const figures = JSON.parse(out.trim().split('\n').pop()!);
      let plan = '';
      if (engine === 'terraform_data') {
        spawnSync('terraform', ['init', '-input=false', '-no-color'], {
          cwd: figures.stackDir,
          stdio: 'ignore',
        });
        plan = fmt(
          timeMs(() =>
            spawnSync('terraform', ['plan', '-input=false', '-no-color', '-refresh=false'], {
              cwd: figures.stackDir,
              stdio: 'ignore',
            }),
          ),
        );
      }
      console.log(
        `  ${engine.padEnd(15)} ${String(steps).padStart(5)} ${fmt(figures.synthMs)} ${figures.rssBeforeMiB.toFixed(0).padStart(7)} MiB ${figures.peakRssMiB.toFixed(0).padStart(6)} MiB ${plan}`,
      );
      fs.rmSync(path.dirname(path.dirname(figures.stackDir)), { recursive: true, force: true });
    }
  }
}

async function runnerFigures(): Promise<void> {
  const lab = await startLab();
  const target = lab.hosts[0];
  const host: HostConfig = {
    name: target.name,
    address: target.address,
    port: target.port,
    user: target.user,
    os: 'linux',
    credentials: { kind: 'privateKeyFile', path: lab.clientKeyPath },
    hostKeySha256: target.hostKeySha256,
    acceptUnknownHostKey: false,
    sudo: false,
    connectTimeoutSeconds: 10,
    commandTimeoutSeconds: 30,
    keepBackups: 5,
  };
  const runs = 10;

  // The runner as terraform runs it: a fresh node process per step (load bundle, connect, check, report).
  const specFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'failover-bench-')), 'noop.json');
  fs.writeFileSync(
    specFile,
    JSON.stringify({
      specVersion: 1,
      id: 'noop',
      description: 'no-op',
      host,
      when: 'create',
      actions: [{ kind: 'command', description: 'noop', check: { argv: ['true'] }, run: { argv: ['true'] } }],
    }),
  );
  const runner = path.join(ROOT, 'dist', 'runner.cjs');
  const wall: number[] = [];
  const stepMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    let out = '';
    wall.push(
      timeMs(
        () =>
          (out = execFileSync(process.execPath, [runner, '--spec-file', specFile, '--json'], {
            encoding: 'utf8',
          })),
      ),
    );
    stepMs.push(JSON.parse(out).durationMs);
  }

  // Start-up: node plus the bundle, before connecting (an unknown argument ends it right there).
  const startUp = (): number =>
    timeMs(() => spawnSync(process.execPath, [runner, '--start-up-probe'], { stdio: 'ignore' }));
  const bareNode = Array.from({ length: runs }, () =>
    timeMs(() => spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' })),
  );
  fs.rmSync(path.join(path.dirname(runner), '.runner.cjs.v8cache'), { force: true });
  const coldStart = startUp();
  const warmStart = Array.from({ length: runs }, startUp);

  // What the SSH transport costs: handshake, a command on a new exec channel, one on the persistent shell.
  const connect: number[] = [];
  const roundTrip: number[] = [];
  const agentTrip: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = Date.now();
    const session = await SshSession.open(host);
    connect.push(Date.now() - started);
    for (let j = 0; j < 5; j++)
      roundTrip.push((await session.exec("'true'", { timeoutMs: 10000 })).durationMs);
    const agent = await session.agent();
    for (let j = 0; j < 5; j++)
      agentTrip.push(await timedBatch(() => agent.batch([{ command: 'true', timeoutSeconds: 10 }], 10000)));
    session.close();
  }
  const own = timeMs(() => execFileSync('true'));

  console.log(`\nRunner overhead per step on the lab (${target.name}; median of ${runs})`);
  console.log(
    `  no-op step, whole runner process (node start + bundle + connect + check + report) ${fmt(median(wall))}`,
  );
  console.log(
    `  no-op step as the runner reports it (connect + check)                             ${fmt(median(stepMs))}`,
  );
  console.log(
    `  SSH connect + authenticate (pinned key check included)                            ${fmt(median(connect))}`,
  );
  console.log(
    `  one remote command on a new exec channel (login shell each time)                    ${fmt(median(roundTrip))}`,
  );
  console.log(
    `  one remote command on the persistent shell (what steps use)                         ${fmt(median(agentTrip))}`,
  );
  console.log(
    `  runner start-up (node + bundle): first ${coldStart.toFixed(0)} ms, then ${median(warmStart).toFixed(0)} ms with the V8 code cache; bare node ${median(bareNode).toFixed(0)} ms`,
  );
  console.log(
    `  the command's own time (\`true\`, run locally)                                       ${fmt(own)}`,
  );
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [path.join(ROOT, 'src', 'runner', 'bundle.mjs')], { stdio: 'inherit' });
  synthFigures();
  await runnerFigures();
  console.log('');
  for (const construct of ['versus-ansible.ts', 'cassandra-two-node.ts', 'dataminer-pair.ts']) {
    execFileSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join(__dirname, construct)],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
