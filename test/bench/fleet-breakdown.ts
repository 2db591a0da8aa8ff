/**
 * Where a fleet deploy's time goes: the versus-ansible stack (20 actions per host) applied on N lab
 * hosts, next to what terraform and the runner cost without any remote work.
 *
 *   npx ts-node test/bench/fleet-breakdown.ts [hosts] [parallelism]
 *
 * Prints, for one size: the apply's wall time; the steps' own times from the JSONL reports (what
 * the runner measures from its first line to its report: connect, lock, round trips); CPU seconds
 * used by terraform and its children (node runners) and by the whole machine (lab sshds and
 * shells included, and whatever else runs); terraform apply of N no-op provisioners (`true`), of N
 * provisioners that only start the runner, and N runners started at once without terraform.
 * Prints figures; asserts nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { LAB_BASE_DIR, labHostNames, LabInventory, resetHost, startLab } from '../lab/lab';
import { apply, init, stateResources, synthStack } from '../support/terraform';
import { addBenchSteps, ansibleWorkdir, runAnsible } from './versus-ansible';

const ROOT = path.join(__dirname, '..', '..');

const TICK = 100;

/** utime, stime, cutime and cstime of a /proc/<pid>/stat line, in seconds. */
function statCpu(stat: string, own: boolean): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [u, s, cu, cs] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  return (own ? u + s + cu + cs : cu + cs) / TICK;
}

/**
 * CPU seconds used inside the lab hosts: every living process rooted in a host, with what its
 * reaped descendants used (cutime), so a process that ended is counted once, by its parent.
 */
function labHostsCpu(): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readlinkSync(`/proc/${entry}/root`).startsWith(`${LAB_BASE_DIR}/hosts/`)) continue;
      total += statCpu(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'), true);
    } catch {
      // Exited meanwhile.
    }
  }
  return total;
}

/** CPU seconds: this process's reaped children, the lab hosts, and the whole machine (every core, busy time). */
function cpuNow(): { children: number; hosts: number; machine: number } {
  const children = statCpu(fs.readFileSync('/proc/self/stat', 'utf8'), false);
  const hosts = labHostsCpu();
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + cpu[4];
  const machine = (cpu.reduce((a, b) => a + b, 0) - idle) / TICK;
  return { children, hosts, machine };
}

async function measured<T>(fn: () => Promise<T>): Promise<{ s: number; cpu: string; value: T }> {
  const before = cpuNow();
  const started = process.hrtime.bigint();
  const value = await fn();
  const s = Number(process.hrtime.bigint() - started) / 1e9;
  const after = cpuNow();
  return {
    s,
    value,
    cpu: `CPU: here ${(after.children - before.children).toFixed(1)} s, lab hosts ${(after.hosts - before.hosts).toFixed(1)} s, machine ${(after.machine - before.machine).toFixed(1)} s of ${(s * os.cpus().length).toFixed(1)} s`,
  };
}

function plainStack(count: number, command: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-noop-'));
  const resource: Record<string, unknown> = {};
  for (let i = 0; i < count; i++)
    resource[`s${i}`] = {
      triggers_replace: { i: String(i) },
      provisioner: [{ 'local-exec': { command } }],
    };
  fs.writeFileSync(
    path.join(dir, 'main.tf.json'),
    JSON.stringify({ resource: { terraform_data: resource } }),
  );
  return dir;
}

function runMany(count: number, argv: string[]): Promise<void> {
  return new Promise((resolve) => {
    let left = count;
    for (let i = 0; i < count; i++)
      spawn(argv[0], argv.slice(1), { stdio: 'ignore' }).on('close', () => --left === 0 && resolve());
  });
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 10);
  const parallelism = process.argv[3] ? [`-parallelism=${process.argv[3]}`] : [];
  const lab: LabInventory = await startLab({ hostNames: labHostNames(Math.max(count, 10)) });
  const hosts = lab.hosts.slice(0, count);
  hosts.forEach((h) => resetHost(h.name));
  const stackDir = synthStack((stack) => addBenchSteps(stack, lab, hosts), {
    stackName: `breakdown-${count}`,
  });
  await init(stackDir);
  const runnerFile = spawnSync('find', [path.join(stackDir, 'assets'), '-name', 'runner.cjs'], {
    encoding: 'utf8',
  }).stdout.trim();
  // Another build of the runner in its place (an A/B of a runner change): BREAKDOWN_RUNNER=<runner.cjs>.
  if (process.env.BREAKDOWN_RUNNER) fs.copyFileSync(process.env.BREAKDOWN_RUNNER, runnerFile);
  console.log(
    `\n${count} hosts, terraform ${parallelism.join(' ') || 'default -parallelism (10)'}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const show = (
    what: string,
    run: { s: number; cpu: string; value: { reports: { durationMs: number }[] } },
  ) => {
    const d = run.value.reports.map((r) => r.durationMs / 1000).sort((a, b) => a - b);
    const sum = d.reduce((a, b) => a + b, 0);
    console.log(
      `  ${what.padEnd(28)} wall ${run.s.toFixed(2)} s; steps (runner's own time) min ${d[0].toFixed(2)} median ${d[Math.floor(d.length / 2)].toFixed(2)} max ${d[d.length - 1].toFixed(2)} sum ${sum.toFixed(1)} s; ${run.cpu}`,
    );
  };
  const first = await measured(() => apply(stackDir, { extraArgs: parallelism }));
  if (first.value.code !== 0) throw new Error(first.value.output);
  show('first run', first);
  const replace = (await stateResources(stackDir)).map((r) => `-replace=${r}`);
  const check = await measured(() => apply(stackDir, { extraArgs: [...replace, ...parallelism] }));
  if (check.value.code !== 0) throw new Error(check.value.output);
  show('check run (-replace)', check);

  for (const [what, command] of [
    ['no-op provisioners (true)', 'true'],
    ['runner start-up only', `node ${runnerFile} --start-up-probe 2>/dev/null; true`],
  ] as const) {
    const dir = plainStack(count, command);
    spawnSync('terraform', ['init', '-input=false'], { cwd: dir, stdio: 'ignore' });
    const run = await measured(async () =>
      spawnSync('terraform', ['apply', '-auto-approve', '-input=false', ...parallelism], {
        cwd: dir,
        stdio: 'ignore',
      }),
    );
    console.log(`  terraform apply, ${count} ${what.padEnd(26)} wall ${run.s.toFixed(2)} s; ${run.cpu}`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const bare = await measured(() => runMany(count, ['node', runnerFile, '--start-up-probe']));
  console.log(`  ${count} runner start-ups at once, no terraform   wall ${bare.s.toFixed(2)} s; ${bare.cpu}`);
  const node = await measured(() => runMany(count, ['node', '-e', '0']));
  console.log(`  ${count} bare node start-ups at once             wall ${node.s.toFixed(2)} s; ${node.cpu}`);
  fs.rmSync(path.dirname(path.dirname(stackDir)), { recursive: true, force: true });
  if (process.env.BREAKDOWN_ANSIBLE) {
    hosts.forEach((h) => resetHost(h.name));
    const dir = ansibleWorkdir(lab, hosts);
    for (const what of ['Ansible first run', 'Ansible second run']) {
      const run = await measured(async () => runAnsible(dir));
      console.log(`  ${what.padEnd(28)} wall ${run.s.toFixed(2)} s; ${run.cpu}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  hosts.forEach((h) => resetHost(h.name));
  void ROOT;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
