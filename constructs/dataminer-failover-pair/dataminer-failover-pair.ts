import { Construct } from 'constructs';
import type { ITerraformDependable } from '../../src/cdktf';
import { StepResources } from '../../src/engine/step-resources';
import type { Step } from '../../src/step';
import { parsePropsAtSynth, REFUSED_PROPS, validateAtSynth } from '../../src/validate-at-synth';
import { applySystemRules, DataMinerSystem, RegisteredPair, runbookAsset } from './dataminer-system';
import { SYSTEM_RULES } from './system-rules';
import { HOST_UNPINNED_KEY, unknownAcknowledgements } from '../../src/rules';
import { FAILOVER_STEP, planDataMinerFailoverPairSteps, VERIFY_STEP } from './plan';
import {
  DataMinerFailoverPairConfig,
  dataMinerFailoverPairSchema,
  DataMinerFailoverPairProps,
} from './props';
import { renderRunbook } from './runbook';

/**
 * A DataMiner Failover pair, prepared as "Preparing the two DataMiner Agents" asks: both agents
 * checked before anything changes (versions, IDs, cluster, elements, addresses, certificates,
 * ports, storage); the backup only (never the primary) given the primary's DataMiner ID and, for
 * dedicated clustered storage, its database configuration; both verified; the Cube procedure
 * handed over as a runbook with this pair's values.
 */
export class DataMinerFailoverPair extends Construct {
  /** The planned steps, in order. */
  public readonly steps: readonly Step[];
  /** Depend on this: the pair is prepared and verified (and Failover verified on, with expectFailoverEnabled). */
  public readonly ready: ITerraformDependable;
  /** Markdown: what the operator enters in Cube, in order, with the exact values. Also written to the stack folder. */
  public readonly runbook: string;

  constructor(scope: Construct, id: string, props: DataMinerFailoverPairProps) {
    super(scope, id);
    const config = parsePropsAtSynth(this, dataMinerFailoverPairSchema, props);
    if (!config) {
      // Refused: the synth reports the problems of every construct at once; nothing is planned.
      this.steps = [];
      this.ready = REFUSED_PROPS;
      this.runbook = '';
      return;
    }
    this.steps = planDataMinerFailoverPairSteps(config);
    const resources = new StepResources(this, 'Steps', {
      steps: this.steps,
      acknowledge: config.acknowledge,
    }).resources;
    this.ready = resources.get(config.expectFailoverEnabled ? FAILOVER_STEP : VERIFY_STEP)!;
    this.runbook = renderRunbook(config, this.node.path);
    runbookAsset(this, this.runbook);
    this.register(config, props.system);
  }

  /** Into its system's rules, or (standing alone) its own. */
  private register(config: DataMinerFailoverPairConfig, system: DataMinerFailoverPairProps['system']): void {
    const summary: RegisteredPair = {
      construct: this,
      path: this.node.path,
      addressing: config.addressing.kind,
      storage: config.storage.type,
      indexing: config.storage.type === 'cassandra-per-agent' && config.storage.indexing,
      indexingAcknowledged: config.indexingAcknowledged,
      acknowledge: config.acknowledge,
    };
    validateAtSynth(this, () =>
      unknownAcknowledgements(this.node.path, config.acknowledge, [
        ...SYSTEM_RULES.map((r) => r.id),
        HOST_UNPINNED_KEY,
      ]),
    );
    if (system instanceof DataMinerSystem) system.registerPair(summary);
    else validateAtSynth(this, () => applySystemRules(config.version, [summary], new Map()));
  }
}
