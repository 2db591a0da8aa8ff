import { Construct } from 'constructs';
import { ITerraformDependable } from '../../src/cdktf';
import { StepResources } from '../../src/engine/step-resources';
import type { Step } from '../../src/step';
import { parsePropsAtSynth, REFUSED_PROPS } from '../../src/validate-at-synth';
import { NFS_ADVICE_RULES } from './advice-rules';
import { applyAdviceRules } from '../../src/rules';
import { planNfsSharedDirSteps, VERIFY_STEP } from './plan';
import { NfsSharedDirConfig, nfsSharedDirSchema, NfsSharedDirProps, NfsVersion } from './props';

/**
 * An NFSv4 shared directory mounted on several Linux hosts with the same owner UID/GID, for an
 * active/passive pair such as fault-tolerant DX NetOps data aggregators (ActiveMQ KahaDB, metric
 * families, DTO files). Checks every host first, exports the directory (or uses an existing
 * export), mounts it on each client with pinned options, and verifies shared data and locking.
 */
export class NfsSharedDir extends Construct {
  /** Where every client mounts the share. */
  public readonly mountPath: string;
  /** The export as clients mount it: `server:/path`. */
  public readonly exportSource: string;
  /** The exported directory on the server. */
  public readonly exportPath: string;
  public readonly ownerUser: string;
  public readonly ownerUid: number;
  public readonly ownerGroup: string;
  public readonly ownerGid: number;
  public readonly nfsVersion: NfsVersion;
  /** The planned steps, in order. */
  public readonly steps: readonly Step[];
  /** Depend on this to run after the share is verified on every client. */
  public readonly ready: ITerraformDependable;
  private readonly resources?: StepResources;

  constructor(scope: Construct, id: string, props: NfsSharedDirProps) {
    super(scope, id);
    const config = parsePropsAtSynth(this, nfsSharedDirSchema, props);
    if (!config) {
      // Refused: the synth reports the problems of every construct at once; nothing is planned.
      this.mountPath = this.exportSource = this.exportPath = this.ownerUser = this.ownerGroup = '';
      this.ownerUid = this.ownerGid = -1;
      this.nfsVersion = '4.1';
      this.steps = [];
      this.ready = REFUSED_PROPS;
      return;
    }
    this.mountPath = config.mountPath;
    this.exportSource = config.exportSource;
    this.exportPath = config.server.exportPath;
    this.ownerUser = config.owner.user;
    this.ownerUid = config.owner.uid;
    this.ownerGroup = config.owner.group;
    this.ownerGid = config.owner.gid;
    this.nfsVersion = config.nfsVersion;
    this.steps = planNfsSharedDirSteps(config);
    this.resources = new StepResources(this, 'Steps', { steps: this.steps, acknowledge: config.acknowledge });
    this.ready = this.resources.resources.get(VERIFY_STEP)!;
    this.warn(config);
  }

  /**
   * Starts this share's steps only after `dependable`: how a composite construct (a fault-tolerant
   * aggregator) puts the shared directory at its place in the vendor's order.
   */
  runAfter(dependable: ITerraformDependable): void {
    this.resources?.runAfter(dependable);
  }

  private warn(config: NfsSharedDirConfig): void {
    applyAdviceRules(this, NFS_ADVICE_RULES, config, config.acknowledge);
  }
}
