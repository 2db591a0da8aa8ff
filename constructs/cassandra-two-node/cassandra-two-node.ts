import { Construct } from 'constructs';
import { applyAdviceRules } from '../../src/rules';
import { CASSANDRA_ADVICE_RULES } from './advice-rules';
import { ITerraformDependable } from '../../src/cdktf';
import { StepResources } from '../../src/engine/step-resources';
import type { Step } from '../../src/step';
import { parsePropsAtSynth, REFUSED_PROPS } from '../../src/validate-at-synth';
import { planCassandraTwoNodeSteps } from './plan';
import {
  cassandraTwoNodeSchema,
  CassandraPorts,
  CassandraTwoNodeConfig,
  CassandraTwoNodeProps,
} from './props';

/**
 * Two Cassandra nodes that form one healthy cluster. Preflight checks both nodes before anything
 * changes; in configure mode the keys that form the cluster are set in cassandra.yaml and the
 * nodes restart one at a time, each back `UN` before the other is touched; then both nodes must
 * see one cluster.
 */
export class CassandraTwoNode extends Construct {
  /** Where clients reach the nodes (broadcast_rpc_address, else rpc_address), first node first. */
  public readonly contactPoints: readonly string[];
  /** The cluster name, when given. */
  public readonly clusterName?: string;
  /** The ports in use: internode (7000, or 7001 with TLS) and client (9042, or 9142 with TLS). */
  public readonly ports: CassandraPorts;
  /** The listen addresses of the two nodes, first node first. */
  public readonly listenAddresses: readonly string[];
  /** The validated configuration, defaults applied (undefined when the props were refused). */
  public readonly config: CassandraTwoNodeConfig;
  /** The steps, in plan order. */
  public readonly steps: readonly Step[];
  /** The Terraform resources of the steps. */
  public readonly stepResources?: StepResources;
  /** Depend on this to run after the last step: the cluster verified (or, in preflight mode, checked). */
  public readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: CassandraTwoNodeProps) {
    super(scope, id);
    const config = parsePropsAtSynth(this, cassandraTwoNodeSchema, props);
    if (!config) {
      // Refused: the synth reports the problems of every construct at once; nothing is planned.
      this.config = undefined as never;
      this.contactPoints = [];
      this.listenAddresses = [];
      this.ports = undefined as never;
      this.steps = [];
      this.ready = REFUSED_PROPS;
      return;
    }
    this.config = config;
    this.contactPoints = this.config.nodes.map((n) => n.clientAddress);
    this.listenAddresses = this.config.nodes.map((n) => n.listenAddress);
    if (this.config.clusterName !== undefined) this.clusterName = this.config.clusterName;
    this.ports = this.config.ports;
    this.steps = planCassandraTwoNodeSteps(this.config);
    this.stepResources = new StepResources(this, 'Steps', {
      steps: this.steps,
      acknowledge: this.config.acknowledge,
    });
    this.ready = this.stepResources.resources.get(this.steps[this.steps.length - 1].id)!;
    applyAdviceRules(this, CASSANDRA_ADVICE_RULES, this.config, this.config.acknowledge);
  }
}
