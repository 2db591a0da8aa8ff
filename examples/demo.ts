/**
 * `npm run demo`: starts the local lab, synthesizes the lab demo stack (terraform_data engine, no
 * provider download), deploys it with terraform, deploys again to show that nothing changes, then
 * forces every step to run again to show that each one finds its host already as wanted. Then the
 * DX NetOps fault-tolerant aggregator procedure on seven lab hosts: installed, healthy, drilled;
 * and a DataMiner Failover pair prepared on two emulated Windows agents, with its runbook. Last,
 * the run summary of each stack (`cdktf-failover summary`), written beside it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resetHost, startLab } from '../test/lab/lab';
import { apply, init, stateResources, synthStack, TerraformRun } from '../test/support/terraform';
import { installStorageAsAServiceAgents } from '../test/lab/emulators/dataminer/setup';
import { constructTopologyReaders } from '../constructs/topology';
import { formatJsonLine } from '../src/runner/report';
import type { StepReport } from '../src/runner/execute-step';
import { summarizeStack } from '../src/summary/summarize';
import { DATAMINER_DEMO, LAB_DEMO, NETOPS_DEMO } from './demo-stacks';
import { NETOPS_LAB_DB, prepareNetOpsLab } from './fault-tolerant-aggregator-lab';

const OUTDIR = path.join(__dirname, '..', 'cdktf.out');

/** A deployed demo stack and the reports of its first apply, for its summary. */
interface DeployedStack {
  readonly stackDir: string;
  readonly reports: readonly StepReport[];
}

/**
 * Writes the first apply's reports (what CDKTF_FAILOVER_REPORT_FILE received) and the summary
 * `cdktf-failover summary <stack> --report <it>` prints, beside the stack; returns the summary's path.
 */
function writeSummary(stack: DeployedStack): string {
  const report = path.join(stack.stackDir, 'failover-report.jsonl');
  fs.writeFileSync(report, stack.reports.map((r) => `${formatJsonLine(r)}\n`).join(''));
  const summary = path.join(stack.stackDir, 'failover-summary.md');
  fs.writeFileSync(summary, summarizeStack(stack.stackDir, constructTopologyReaders(), report));
  return summary;
}

function show(run: TerraformRun): void {
  for (const line of run.output.split('\n')) {
    const progress = /\(local-exec\): (\[failover\].*)$/.exec(line);
    if (progress) console.log(`  ${progress[1]}`);
    else if (/^(Apply complete|No changes|Error)/.test(line)) console.log(`  ${line}`);
  }
  if (run.code !== 0) {
    console.error(run.output);
    throw new Error(`terraform apply failed (exit ${run.code})`);
  }
}

async function main(): Promise<void> {
  console.log('Starting the lab (hosts with their own root filesystem and network, 198.18.0.0/24)...');
  const lab = await startLab();
  const [first, second] = lab.hosts;
  for (const host of [first, second]) {
    resetHost(host.name);
    console.log(`  ${host.name}  ${host.address}:${host.port}  ${host.hostKeySha256}`);
  }

  fs.rmSync(path.join(OUTDIR, 'stacks', LAB_DEMO.name), { recursive: true, force: true });
  const stackDir = synthStack((stack) => void LAB_DEMO.build(stack, lab), {
    outdir: OUTDIR,
    stackName: LAB_DEMO.name,
    engine: 'terraform_data',
  });
  console.log(`\nSynthesized ${path.relative(process.cwd(), stackDir)}; terraform init...`);
  await init(stackDir);

  console.log('\n1. terraform apply: the hosts are prepared');
  const firstRun = await apply(stackDir);
  show(firstRun);

  console.log('\n2. terraform apply again: nothing to do');
  const secondRun = await apply(stackDir);
  show(secondRun);

  console.log('\n3. terraform apply -replace=<every step>: each step checks its host and finds it as wanted');
  const resources = await stateResources(stackDir);
  const forced = await apply(stackDir, { extraArgs: resources.map((r) => `-replace=${r}`) });
  show(forced);

  console.log('\nSummary');
  const rows: [string, string, string, string][] = [
    ...firstRun.reports.map(
      (r) => ['first apply', r.step, r.outcome, `${r.durationMs} ms`] as [string, string, string, string],
    ),
    [
      'second apply',
      '(no step ran)',
      secondRun.output.includes('No changes.') ? 'no changes' : 'CHANGED',
      '',
    ],
    ...forced.reports.map(
      (r) => ['forced re-run', r.step, r.outcome, `${r.durationMs} ms`] as [string, string, string, string],
    ),
  ];
  for (const row of rows)
    console.log(`  ${row[0].padEnd(14)} ${row[1].padEnd(22)} ${row[2].padEnd(11)} ${row[3]}`);
  const idempotent = secondRun.reports.length === 0 && forced.reports.every((r) => r.outcome === 'ok');
  console.log(
    idempotent
      ? '\nIdempotent: the second apply changed nothing and every forced step reported ok.'
      : '\nNOT idempotent: see above.',
  );
  if (!idempotent) process.exitCode = 1;
  const deployed = [{ stackDir, reports: firstRun.reports }, await netOpsDemo(), await dataMinerDemo()];

  console.log('\n6. The run summary of each stack (cdktf-failover summary <stack> --report <first apply>)');
  for (const stack of deployed) console.log(`  ${path.relative(process.cwd(), writeSummary(stack))}`);
}

/** A DataMiner Failover pair on two emulated Windows agents: preflight, the backup prepared, verified, the runbook. */
async function dataMinerDemo(): Promise<DeployedStack> {
  console.log('\n5. A DataMiner Failover pair on two emulated Windows agents (lab-a primary, lab-b backup)');
  const lab = await startLab();
  const [primary, backup] = lab.hosts;
  await installStorageAsAServiceAgents(primary, backup);
  fs.rmSync(path.join(OUTDIR, 'stacks', DATAMINER_DEMO.name), { recursive: true, force: true });
  let runbook = '';
  const stackDir = synthStack((stack) => void (runbook = DATAMINER_DEMO.build(stack, lab) ?? ''), {
    outdir: OUTDIR,
    stackName: DATAMINER_DEMO.name,
    engine: 'terraform_data',
  });
  await init(stackDir);
  const first = await apply(stackDir);
  show(first);
  const again = await apply(stackDir);
  show(again);
  console.log(`\n${runbook}`);
  if (!again.output.includes('No changes.')) {
    console.log('NOT idempotent: the second apply of the DataMiner stack changed something.');
    process.exitCode = 1;
  }
  return { stackDir, reports: first.reports };
}

/** The fault-tolerant aggregator procedure on the lab's emulated DX NetOps hosts, with a drill. */
async function netOpsDemo(): Promise<DeployedStack> {
  console.log('\n4. The DX NetOps fault-tolerant aggregator procedure on seven lab hosts');
  const lab = await startLab();
  for (const host of lab.hosts) resetHost(host.name);
  prepareNetOpsLab(lab.hosts);
  fs.rmSync(path.join(OUTDIR, 'stacks', NETOPS_DEMO.name), { recursive: true, force: true });
  const stackDir = synthStack((stack) => void NETOPS_DEMO.build(stack, lab), {
    outdir: OUTDIR,
    stackName: NETOPS_DEMO.name,
    engine: 'terraform_data',
  });
  await init(stackDir);
  const env = { [NETOPS_LAB_DB.passwordEnv]: NETOPS_LAB_DB.password };
  const first = await apply(stackDir, { env });
  show(first);
  const again = await apply(stackDir, { env });
  show(again);
  const drill = first.reports.find((r) => r.step === 'drill');
  console.log(`  drill: ${drill?.actions[0]?.detail ?? 'not run'}`);
  if (!again.output.includes('No changes.')) {
    console.log('NOT idempotent: the second apply of the NetOps stack changed something.');
    process.exitCode = 1;
  }
  return { stackDir, reports: first.reports };
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
