/**
 * `npx ts-node test/bench/dataminer-pair.ts`: lab figures for a DataMiner Failover pair on two
 * emulated Windows agents (lab-a, lab-b) whose PowerShell is the real one. Prints figures, asserts
 * nothing.
 *   session start  one PowerShell session: the SSH channel, PowerShell's start, the session script
 *   per script     a batch of 1 and of 10 trivial scripts through a running session
 *   first deploy   preflight, the backup prepared, verification: time and round trips per step
 *   forced re-run  every step replaced: each finds the pair prepared
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataMinerFailoverPair, DataMinerFailoverPairProps } from '../../index';
import { PATH_EXISTS_PS } from '../../src/dialect/windows-primitives';
import { RemoteHost } from '../../src/runner/remote-host';
import { SshSession } from '../../src/runner/ssh-session';
import { hostSchema } from '../../src/schema/host';
import { installStorageAsAServiceAgents } from '../lab/emulators/dataminer/setup';
import { LabHost, resetHost, startLab } from '../lab/lab';
import { labHostProps } from '../support/lab-hosts';
import { apply, init, stateResources, synthStack } from '../support/terraform';

const ROUNDS = 3;
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
const ms = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

async function main(): Promise<void> {
  const lab = await startLab();
  const [a, b] = ['lab-a', 'lab-b'].map((n) => lab.hosts.find((h) => h.name === n)!);
  const setUp = () => installStorageAsAServiceAgents(a, b);

  // One session, and scripts through it.
  await setUp();
  const config = (h: LabHost) => hostSchema.parse(labHostProps(lab, h, { os: 'windows' }));
  const starts: number[] = [];
  const batches: Record<number, number[]> = { 1: [], 10: [] };
  for (let round = 0; round < 5; round++) {
    const session = await SshSession.open(config(a));
    const host = new RemoteHost(config(a), session);
    let started = process.hrtime.bigint();
    await session.agent();
    starts.push(ms(started));
    for (const n of [1, 10]) {
      started = process.hrtime.bigint();
      await host.batch(
        Array.from({ length: n }, () => ({
          command: { powershell: PATH_EXISTS_PS, vars: { path: 'C:\\' } },
        })),
      );
      batches[n].push(ms(started));
    }
    session.close();
  }

  const steps: Record<string, { ms: number[]; roundTrips: number[] }> = {};
  const rerun: Record<string, number[]> = {};
  const props: DataMinerFailoverPairProps = {
    version: '10.3.0 [CU9]',
    primary: { host: labHostProps(lab, a, { os: 'windows' }) },
    backup: { host: labHostProps(lab, b, { os: 'windows' }) },
    virtualIps: ['198.18.0.50'],
    storage: { type: 'storage-as-a-service' },
  };
  const outdirs: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await setUp();
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-dataminer-bench-'));
    outdirs.push(outdir);
    const dir = synthStack((s) => new DataMinerFailoverPair(s, 'Pair', props), {
      outdir,
      engine: 'terraform_data',
    });
    await init(dir);
    const first = await apply(dir);
    if (first.code !== 0) throw new Error(`first deploy failed:\n${first.output}`);
    for (const r of first.reports) {
      const figures = (steps[r.step] ??= { ms: [], roundTrips: [] });
      figures.ms.push(r.durationMs);
      figures.roundTrips.push(r.roundTrips);
    }
    const resources = await stateResources(dir);
    const forced = await apply(dir, { extraArgs: resources.map((r) => `-replace=${r}`) });
    if (forced.code !== 0) throw new Error(`forced re-run failed:\n${forced.output}`);
    for (const r of forced.reports) (rerun[r.step] ??= []).push(r.durationMs);
  }
  for (const h of [a, b]) resetHost(h.name);
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });

  console.log('DataMinerFailoverPair on the lab (real PowerShell 7 behind the Windows OpenSSH stand-in)');
  console.log(
    `  PowerShell session start        ${median(starts).toFixed(0).padStart(6)} ms   (median of 5)`,
  );
  console.log(`  a batch of 1 script             ${median(batches[1]).toFixed(0).padStart(6)} ms`);
  console.log(`  a batch of 10 scripts           ${median(batches[10]).toFixed(0).padStart(6)} ms`);
  console.log(`  first deploy, per step (runner time, round trips; median of ${ROUNDS}):`);
  for (const [step, figures] of Object.entries(steps))
    console.log(
      `    ${step.padEnd(12)} ${median(figures.ms).toFixed(0).padStart(6)} ms   ${median(figures.roundTrips)} round trips`,
    );
  console.log('  forced re-run, per step:');
  for (const [step, values] of Object.entries(rerun))
    console.log(`    ${step.padEnd(12)} ${median(values).toFixed(0).padStart(6)} ms`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
