/**
 * `npx ts-node test/bench/cassandra-two-node.ts`: lab deploy figures for CassandraTwoNode on lab-f
 * and lab-g (emulated Cassandra). Prints figures, asserts nothing.
 *   first deploy   preflight, both nodes edited and restarted one at a time, verification
 *   second deploy  no spec changed: Terraform runs no step
 *   forced re-run  every step replaced: each looks at its hosts and changes nothing
 *   preflight stop a release mismatch: the deploy stops at preflight
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CassandraTwoNode, CassandraTwoNodeProps } from '../../index';
import { forgetCassandraNode, installCassandraNode } from '../lab/emulators/cassandra/setup';
import { LabHost, resetHost, startLab } from '../lab/lab';
import { labHostProps } from '../support/lab-hosts';
import { apply, init, stateResources, synthStack } from '../support/terraform';

const ROUNDS = 3;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = process.hrtime.bigint();
  const result = await fn();
  return [Number(process.hrtime.bigint() - started) / 1e6, result];
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const lab = await startLab();
  const [f, g] = ['lab-f', 'lab-g'].map((n) => lab.hosts.find((h) => h.name === n)!);
  const host = (h: LabHost) => labHostProps(lab, h);
  const props: CassandraTwoNodeProps = {
    nodes: [{ host: host(f) }, { host: host(g) }],
    clusterName: 'Lab Cluster',
  };
  const setUp = (gRelease = '3.11.4') => {
    for (const h of [f, g]) {
      resetHost(h.name);
      forgetCassandraNode(h);
    }
    installCassandraNode(f);
    installCassandraNode(g, { releaseVersion: gRelease });
  };
  const outdirs: string[] = [];
  const stack = async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-cassandra-bench-'));
    outdirs.push(outdir);
    const dir = synthStack((s) => new CassandraTwoNode(s, 'Cassandra', props), {
      outdir,
      engine: 'terraform_data',
    });
    await init(dir);
    return dir;
  };

  const figures: Record<string, number[]> = {
    'first deploy': [],
    'second deploy': [],
    'forced re-run': [],
    'preflight stop': [],
  };
  const stepMs: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    setUp();
    const dir = await stack();
    const [first, run] = await timed(() => apply(dir));
    if (run.code !== 0) throw new Error(`first deploy failed:\n${run.output}`);
    figures['first deploy'].push(first);
    for (const r of run.reports) (stepMs[r.step] ??= []).push(r.durationMs);
    const [second, again] = await timed(() => apply(dir));
    if (again.code !== 0 || again.reports.length !== 0) throw new Error('second deploy ran steps');
    figures['second deploy'].push(second);
    const resources = await stateResources(dir);
    const [forced, rerun] = await timed(() =>
      apply(dir, { extraArgs: resources.map((r) => `-replace=${r}`) }),
    );
    if (rerun.code !== 0) throw new Error('forced re-run failed');
    figures['forced re-run'].push(forced);

    setUp('3.11.3');
    const [stopped, refused] = await timed(async () => apply(await stack()));
    if (refused.code === 0) throw new Error('the release mismatch was not refused');
    figures['preflight stop'].push(stopped);
  }
  for (const h of [f, g]) {
    resetHost(h.name);
    forgetCassandraNode(h);
  }
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });

  console.log(`CassandraTwoNode lab deploy (terraform_data, lab-f + lab-g, median of ${ROUNDS})`);
  for (const [name, values] of Object.entries(figures)) {
    console.log(
      `  ${name.padEnd(15)} ${median(values).toFixed(0).padStart(6)} ms   (${values.map((v) => v.toFixed(0)).join(', ')})`,
    );
  }
  console.log('  first deploy, per step (runner time):');
  for (const [step, values] of Object.entries(stepMs))
    console.log(`    ${step.padEnd(20)} ${median(values).toFixed(0).padStart(6)} ms`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
