/**
 * Property-based fuzzing of every construct's props: 10,000 generated cases each. Every case is
 * either planned into steps whose specs serialize (what synth writes), or refused with one
 * ValidationError that names the construct; nothing else is ever thrown. A sample goes through a
 * real synth too, so the construct classes agree with their schemas.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import type { IConstruct } from 'constructs';
import type { z } from 'zod';
import {
  CassandraTwoNode,
  DataMinerFailoverPair,
  FaultTolerantAggregator,
  HostSteps,
  NfsSharedDir,
  ValidationError,
} from '../../index';
import { dataMinerFailoverPairSchema } from '../../constructs/dataminer-failover-pair/props';
import { planDataMinerFailoverPairSteps } from '../../constructs/dataminer-failover-pair/plan';
import type { DataMinerFailoverPairConfig } from '../../constructs/dataminer-failover-pair/props';
import { systemFindings } from '../../constructs/dataminer-failover-pair/system-rules';
import { faultTolerantAggregatorSchema } from '../../constructs/fault-tolerant-aggregator/props';
import { planFaultTolerantAggregatorSteps } from '../../constructs/fault-tolerant-aggregator/plan';
import { cassandraTwoNodeSchema } from '../../constructs/cassandra-two-node/props';
import { planCassandraTwoNodeSteps } from '../../constructs/cassandra-two-node/plan';
import { nfsSharedDirSchema } from '../../constructs/nfs-shared-dir/props';
import { planNfsSharedDirSteps } from '../../constructs/nfs-shared-dir/plan';
import { App, TerraformStack, Testing } from '../../src/cdktf';
import { ENGINE_CONTEXT_KEY } from '../../src/engine/step-resources';
import { hostStepsSchema } from '../../src/host-steps';
import { orderSteps, Step, toStepSpec } from '../../src/step';
import { parseProps } from '../../src/validate';
import {
  cassandraTwoNodePropsArb,
  dataMinerFailoverPairPropsArb,
  faultTolerantAggregatorPropsArb,
  hostStepsPropsArb,
  nfsSharedDirPropsArb,
} from '../support/fuzz-props';
import { fuzzSeed } from '../support/fuzz-seed';

jest.setTimeout(300_000);

const CASES = 10_000;
const SYNTH_SAMPLE = 60;
const scope = { node: { path: 'fuzz/Construct' } } as IConstruct;

interface Subject {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<unknown>;
  readonly schema: z.ZodType<unknown>;
  readonly plan: (config: never) => Step[];
  readonly construct: (stack: TerraformStack, props: never) => unknown;
  /** The construct's named rules that refuse at synth what its schema accepts. */
  readonly refusedByRules?: (config: never) => boolean;
}

const subjects: Subject[] = [
  {
    name: 'HostSteps',
    arbitrary: hostStepsPropsArb,
    schema: hostStepsSchema as z.ZodType<unknown>,
    plan: (config: { steps: Step[] }) => config.steps,
    construct: (stack, props) => new HostSteps(stack, 'Construct', props),
  },
  {
    name: 'NfsSharedDir',
    arbitrary: nfsSharedDirPropsArb,
    schema: nfsSharedDirSchema as z.ZodType<unknown>,
    plan: planNfsSharedDirSteps,
    construct: (stack, props) => new NfsSharedDir(stack, 'Construct', props),
  },
  {
    name: 'CassandraTwoNode',
    arbitrary: cassandraTwoNodePropsArb,
    schema: cassandraTwoNodeSchema as z.ZodType<unknown>,
    plan: planCassandraTwoNodeSteps,
    construct: (stack, props) => new CassandraTwoNode(stack, 'Construct', props),
  },
  {
    name: 'FaultTolerantAggregator',
    arbitrary: faultTolerantAggregatorPropsArb,
    schema: faultTolerantAggregatorSchema as z.ZodType<unknown>,
    plan: (config) => planFaultTolerantAggregatorSteps(config, { mountPath: '/DASharedRepo' }),
    construct: (stack, props) => new FaultTolerantAggregator(stack, 'Construct', props),
  },
  {
    name: 'DataMinerFailoverPair',
    arbitrary: dataMinerFailoverPairPropsArb,
    schema: dataMinerFailoverPairSchema as z.ZodType<unknown>,
    plan: planDataMinerFailoverPairSteps,
    construct: (stack, props) => new DataMinerFailoverPair(stack, 'Construct', props),
    refusedByRules: (config: DataMinerFailoverPairConfig) =>
      systemFindings(config.version, [
        {
          path: 'fuzz/Construct',
          addressing: config.addressing.kind,
          storage: config.storage.type,
          indexing: config.storage.type === 'cassandra-per-agent' && config.storage.indexing,
          indexingAcknowledged: config.indexingAcknowledged,
        },
      ]).some((f) => f.level === 'error'),
  },
];

/** 'accepted' or 'refused'; anything else thrown fails the property. */
function outcome(subject: Subject, props: unknown): 'accepted' | 'refused' {
  let config: unknown;
  try {
    config = parseProps(scope, subject.schema, props);
  } catch (error) {
    if (error instanceof ValidationError && error.problems.length > 0) {
      for (const p of error.problems)
        if (p.constructPath !== 'fuzz/Construct')
          throw new Error(`problem without the construct path: ${p.constructPath}`);
      return 'refused';
    }
    throw error;
  }
  const steps = orderSteps(subject.plan(config as never));
  JSON.stringify(steps.map(toStepSpec));
  return subject.refusedByRules?.(config as never) ? 'refused' : 'accepted';
}

/** Counterexamples found by earlier runs, kept as fixed cases. */
describe('regressions', () => {
  it('DataMinerFailoverPair (seed 1367912758): indexing per agent without its acknowledgement is refused by its rule at synth, as the oracle says', () => {
    const host = (name: string, address: string) => ({
      address,
      user: 'deploy',
      hostKeySha256: `SHA256:${'k'.repeat(43)}`,
      credentials: { kind: 'agent', socketEnv: 'SSH_AUTH_SOCK' },
      os: 'windows',
      name,
    });
    const props = {
      virtualIps: ['10.0.0.50'],
      version: '10.3.0 [CU9]',
      primary: { host: host('dma1', '10.0.0.11') },
      backup: { host: host('dma2', '10.0.0.12') },
      storage: { type: 'cassandra-per-agent', indexing: true },
    };
    const subject = subjects.find((s) => s.name === 'DataMinerFailoverPair')!;
    expect(outcome(subject, props)).toBe('refused');
    const stack = new TerraformStack(Testing.app(), 'regression');
    subject.construct(stack, props as never);
    expect(() => Testing.synth(stack)).toThrow(/\[DMS-INDEXING-PER-AGENT\]/);
  });
});

describe.each(subjects)('$name', (subject) => {
  test(`${CASES.toLocaleString('en')} generated props: planned, or refused with one ValidationError`, () => {
    const counts = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(subject.arbitrary, (props) => {
        counts[outcome(subject, props)] += 1;
      }),
      { numRuns: CASES, seed: fuzzSeed(`${subject.name} props`) },
    );
    console.log(`${subject.name}: ${CASES} cases, ${counts.accepted} accepted, ${counts.refused} refused`);
    // The generator reaches both sides, or the property proves little.
    expect(counts.accepted).toBeGreaterThan(CASES / 100);
    expect(counts.refused).toBeGreaterThan(CASES / 100);
  });

  test(`${SYNTH_SAMPLE} generated props through a real synth agree with the schema`, () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-synth-'));
    try {
      fc.assert(
        fc.property(subject.arbitrary, (props) => {
          const expected = outcome(subject, props);
          const app = new App({ outdir, context: { [ENGINE_CONTEXT_KEY]: 'terraform_data' } });
          subject.construct(new TerraformStack(app, 'fuzz'), props as never);
          let synthesized: 'accepted' | 'refused' = 'accepted';
          try {
            app.synth();
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            synthesized = 'refused';
          }
          expect(synthesized).toBe(expected);
        }),
        { numRuns: SYNTH_SAMPLE, seed: fuzzSeed(`${subject.name} synth`) },
      );
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
