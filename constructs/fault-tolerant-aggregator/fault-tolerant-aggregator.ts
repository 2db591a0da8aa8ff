import { Construct } from 'constructs';
import { applyAdviceRules } from '../../src/rules';
import { NETOPS_ADVICE_RULES } from './advice-rules';
import { ITerraformDependable } from '../../src/cdktf';
import { StepResources } from '../../src/engine/step-resources';
import { hostSchema } from '../../src/schema/host';
import type { Step } from '../../src/step';
import { parsePropsAtSynth, REFUSED_PROPS } from '../../src/validate-at-synth';
import { NfsSharedDir, SHARED_DIRECTORY_EXPORT_TABLE } from '../nfs-shared-dir';
import type { NfsSharedDirProps, SharedDirectoryExportTableAction } from '../nfs-shared-dir';
import {
  DATA_REPOSITORY_STEP,
  planFaultTolerantAggregatorSteps,
  PROXY_STEP,
  UPGRADE_STEP,
  readyStepId,
  SharedDirectorySummary,
} from './plan';
import {
  FaultTolerantAggregatorConfig,
  faultTolerantAggregatorSchema,
  FaultTolerantAggregatorProps,
  isSharedDirectoryLike,
  sharedDirectoryPreflight,
  SharedDirectoryLike,
  SharedDirectoryProps,
} from './props';

const isPlainObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What the plan needs of the shared directory: its mount path, its preflight, its owner and, when
 * its own server step sets up the export, the export options and mode (the account check predicts
 * from them what the aggregators may do in the share before it is mounted).
 */
function summaryOf(share: SharedDirectoryLike): SharedDirectorySummary {
  const preflight = sharedDirectoryPreflight(share);
  const table = share.steps
    .flatMap((s) => s.actions)
    .find((a) => a.kind === SHARED_DIRECTORY_EXPORT_TABLE) as SharedDirectoryExportTableAction | undefined;
  const mode = preflight?.server?.mode;
  return {
    mountPath: share.mountPath,
    ...(preflight ? { preflight } : {}),
    owner: {
      uid: share.ownerUid,
      gid: share.ownerGid,
      ...(preflight ? { user: preflight.owner.user } : {}),
    },
    ...(table && mode ? { plannedExport: { options: table.options, mode } } : {}),
  };
}

/**
 * The DX NetOps Performance Management fault-tolerant data aggregator procedure, in the vendor's
 * order: every host and network path checked first; the data repository verified; the shared
 * directory (NFSv4, same UID/GID on both aggregators); the proxy server, the active and the
 * inactive aggregator, each collector (with the inactive aggregator as its failover host) and the
 * portal installed with InstallAnywhere in silent mode; ports and health verified; optionally
 * HTTPS and a timed failover drill.
 */
export class FaultTolerantAggregator extends Construct {
  /** The shared directory: the NfsSharedDir this construct made, or the one it was given. */
  public readonly sharedDirectory?: NfsSharedDir | SharedDirectoryLike;
  /** The planned steps, in order (the shared directory's steps are its own). */
  public readonly steps: readonly Step[];
  /** Depend on this to run after the system is installed and verified healthy. */
  public readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: FaultTolerantAggregatorProps) {
    super(scope, id);
    const config = parsePropsAtSynth(this, faultTolerantAggregatorSchema, props);
    if (!config) {
      // Refused: the synth reports the problems of every construct at once, the shared
      // directory's too (so it is still made from its props); nothing is planned.
      // Only from valid values: a wrong one is already this construct's problem, and made into
      // the shared directory's props it would be reported again (a string, once per character).
      const share: unknown = props?.sharedDirectory;
      const aggregators: unknown = props?.aggregators;
      const clients = isPlainObject(aggregators)
        ? [props.aggregators.active, props.aggregators.inactive].filter(
            (h) => hostSchema.safeParse(h).success,
          )
        : [];
      if (isPlainObject(share) && !isSharedDirectoryLike(share) && clients.length > 0)
        this.sharedDirectory = new NfsSharedDir(this, 'SharedDirectory', {
          ...(share as SharedDirectoryProps),
          clients: clients as NfsSharedDirProps['clients'],
        });
      this.steps = [];
      this.ready = REFUSED_PROPS;
      return;
    }
    const share = this.shareOf(config);
    this.sharedDirectory = share;
    if (share.steps.length === 0) {
      // The shared directory's own props were refused; its problems are reported with the synth.
      this.steps = [];
      this.ready = REFUSED_PROPS;
      return;
    }
    this.steps = planFaultTolerantAggregatorSteps(config, summaryOf(share));
    const resources = new StepResources(this, 'Steps', {
      steps: this.steps,
      follows: share.steps,
      acknowledge: config.acknowledge,
    });
    // The vendor's order: the shared directory after the data repository (when it is ours to
    // place), and verified before the upgrade (an aggregator's upgrade fails over through it) and
    // the proxy.
    if (share instanceof NfsSharedDir) {
      if (this.node.tryFindChild('SharedDirectory') === share)
        share.runAfter(resources.resources.get(DATA_REPOSITORY_STEP)!);
      resources.addDependency(UPGRADE_STEP, share.ready);
      resources.addDependency(PROXY_STEP, share.ready);
    }
    this.ready = resources.resources.get(readyStepId(config))!;
    this.warn(config);
  }

  private shareOf(config: FaultTolerantAggregatorConfig): NfsSharedDir | SharedDirectoryLike {
    if (isSharedDirectoryLike(config.sharedDirectory)) return config.sharedDirectory;
    const props = config.sharedDirectory as SharedDirectoryProps;
    return new NfsSharedDir(this, 'SharedDirectory', {
      ...props,
      clients: [config.aggregators.active, config.aggregators.inactive],
    });
  }

  private warn(config: FaultTolerantAggregatorConfig): void {
    applyAdviceRules(this, NETOPS_ADVICE_RULES, config, config.acknowledge);
  }
}
