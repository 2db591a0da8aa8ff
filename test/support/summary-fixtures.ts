/**
 * What the summary tests render: the demo stacks synthesized against a lab inventory that need not
 * run (nothing connects at synth), run reports made from a stack's own specs, and a stack full of
 * hostile strings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_STACKS, type DemoStack } from '../../examples/demo-stacks';
import { problemList } from '../../src/errors';
import type { ActionReport, Outcome, StepReport } from '../../src/runner/execute-step';
import { formatJsonLine } from '../../src/runner/report';
import { stepsOfStack, type StackStep } from '../../src/runner/stack-specs';
import type { StepSpec } from '../../src/step';
import type { LabInventory } from '../lab/lab';
import { PINNED_KEY } from './synth-hosts';
import { synthStack } from './terraform';

/** The default lab's seven hosts as the inventory describes them; never started. */
export function offlineLab(baseDir: string): LabInventory {
  return {
    baseDir,
    imageRootfs: path.join(baseDir, 'image'),
    nameserver: '198.18.0.1',
    clientKeyPath: path.join(baseDir, 'client_key'),
    knownHostsPath: path.join(baseDir, 'known_hosts'),
    sshConfigPath: path.join(baseDir, 'ssh_config'),
    hosts: ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((letter, i) => ({
      name: `lab-${letter}`,
      address: `198.18.0.${11 + i}`,
      port: 22,
      user: 'root',
      hostKeySha256: PINNED_KEY,
      root: path.join(baseDir, `lab-${letter}`),
    })),
  };
}

/** Synthesizes a demo stack under outdir; returns its folder. */
export function synthDemoStack(demo: DemoStack, outdir: string): string {
  return synthStack((stack) => void demo.build(stack, offlineLab(outdir)), {
    outdir,
    stackName: demo.name,
    engine: 'terraform_data',
  });
}

export function synthDemoStacks(outdir: string): Record<DemoStack['name'], string> {
  return Object.fromEntries(DEMO_STACKS.map((d) => [d.name, synthDemoStack(d, outdir)])) as Record<
    DemoStack['name'],
    string
  >;
}

export function specsOf(stackDir: string): StepSpec[] {
  const config = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
  return stepsOfStack(config)
    .filter((s) => s.spec !== undefined)
    .map((s) => JSON.parse(s.spec!) as StepSpec);
}

/** A step report for a spec, as the runner writes it. */
export function reportFor(
  spec: StepSpec,
  outcome: Outcome,
  extra: { durationMs?: number; roundTrips?: number; reason?: string; actions?: ActionReport[] } = {},
): StepReport {
  return {
    step: spec.id,
    description: spec.description,
    host: spec.host.name ?? spec.host.address,
    outcome,
    checkOnly: false,
    durationMs: extra.durationMs ?? 1200,
    ...(extra.reason ? { reason: extra.reason } : {}),
    actions: extra.actions ?? [],
    roundTrips: extra.roundTrips ?? 3,
    remoteCommands: 4,
  };
}

/** The report file of a run: one JSON line per step, as $CDKTF_FAILOVER_REPORT_FILE receives them. */
export function writeReportFile(file: string, reports: readonly StepReport[]): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, reports.map((r) => `${formatJsonLine(r)}\n`).join(''));
  return file;
}

/** The netops demo deployed: installs changed, every check passed, health read lab-b Active. */
export function netOpsRunReports(stackDir: string): StepReport[] {
  return specsOf(stackDir).map((spec) => {
    if (spec.id === 'health')
      return reportFor(spec, 'ok', {
        actions: [
          {
            action: 'health',
            outcome: 'ok',
            detail: 'lab-b Active, lab-c Inactive; Consul: leader, 3 peers, all alive, no critical check',
            hostStates: { 'lab-b': 'Active', 'lab-c': 'Inactive' },
          },
        ],
      });
    const installs = /^(proxy|aggregator-|collector-)/.test(spec.id);
    return reportFor(
      spec,
      installs ? 'changed' : 'ok',
      installs
        ? {
            actions: [
              {
                action: `install ${spec.id}`,
                outcome: 'changed',
                detail: 'installed by the installer -i silent',
              },
            ],
          }
        : {},
    );
  });
}

/** The DataMiner demo's first apply stopped at its preflight: lab-b cannot reach lab-a on 8004. */
export const DATAMINER_PREFLIGHT_REASON = problemList('the agents are not ready for Failover:', [
  'lab-b (backup) cannot reach lab-a on tcp 8004 (.NET Remoting): open tcp 8004 from lab-b to lab-a',
  'lab-a (primary): the packet capture driver is missing: install Npcap on both agents',
]);

export function dataMinerFailedReports(stackDir: string): StepReport[] {
  const preflight = specsOf(stackDir).find((s) => s.id === 'preflight')!;
  return [
    reportFor(preflight, 'failed', {
      reason: DATAMINER_PREFLIGHT_REASON,
      actions: [{ action: 'preflight', outcome: 'failed', detail: DATAMINER_PREFLIGHT_REASON }],
    }),
  ];
}

/** Strings that would break a diagram or a page if they were not quoted. */
export const HOSTILE = {
  name: 'x"]; click host1 call alert(1); y["',
  address: '<img src=x onerror=alert(1)>.example',
  role: 'end\n%% comment #quot; `code` | pipe',
  purpose: '--> | ]] {{ ;;; style host1 fill:#f00; classDef',
  description: '| **bold** [link](javascript:alert(1)) @team <script>alert(1)</script> $x$',
} as const;

const hostileHost = (name: string, address: string) => ({
  name,
  address,
  port: 22,
  user: 'root',
  os: 'linux',
  credentials: { kind: 'agent' },
  hostKeySha256: PINNED_KEY,
  acceptUnknownHostKey: false,
  sudo: false,
  connectTimeoutSeconds: 30,
  commandTimeoutSeconds: 300,
  keepBackups: 5,
});

/** A stack's steps with hostile names, roles and purposes, as a hand-edited cdk.tf.json would hold. */
export function hostileSteps(): StackStep[] {
  const a = hostileHost(HOSTILE.name, HOSTILE.address);
  const b = hostileHost('plain', '192.0.2.7');
  const spec = {
    specVersion: 1,
    id: 'preflight',
    description: HOSTILE.description,
    host: a,
    when: 'create',
    actions: [
      {
        kind: 'fault-tolerant-aggregator.preflight',
        description: 'preflight',
        hosts: [
          { host: a, role: HOSTILE.role, component: 'proxy', installer: {} },
          { host: b, role: 'active data aggregator', component: 'aggregator', installer: {} },
        ],
        paths: [
          {
            from: a,
            toHost: b,
            toAddress: b.address,
            toLabel: 'plain',
            protocol: 'tcp',
            port: 8300,
            purpose: HOSTILE.purpose,
          },
          {
            from: b,
            toAddress: HOSTILE.address,
            toLabel: 'x',
            protocol: 'udp',
            port: 8301,
            purpose: HOSTILE.purpose,
          },
        ],
      },
    ],
  };
  return [
    {
      resource: 'terraform_data.hostile',
      spec: JSON.stringify(spec),
      destroyTime: false,
      rerunsWithAnyStep: true,
      after: [],
    },
  ];
}

export function hostileReports(): StepReport[] {
  return [
    {
      step: 'preflight',
      description: HOSTILE.description,
      host: HOSTILE.name,
      outcome: 'failed',
      checkOnly: false,
      durationMs: 10,
      reason: problemList(HOSTILE.description, [HOSTILE.purpose, HOSTILE.role]),
      actions: [{ action: 'preflight', outcome: 'failed', hostStates: { [HOSTILE.name]: HOSTILE.role } }],
      roundTrips: 1,
      remoteCommands: 1,
    },
  ];
}
