/** The preflight of both nodes: every problem at once, nothing changed on either node. */
import { setYamlValues } from '../../src/edit/yaml';
import { gatherFacts } from '../../src/frame/fact';
import type { ActionContext, ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { PreflightAction, PreflightNode } from './actions';
import {
  configFact,
  configValue,
  firstDataFileFact,
  nodetoolFact,
  NodetoolResult,
  pendingFact,
  ReleaseResult,
  releaseFrom,
  ServiceState,
  serviceStateFact,
  storedClusterName,
} from './facts';
import type { CassandraLocations } from './props';
import { checkReleases, connectBoth, failWith, portProblems } from './node-pair';

/** What the preflight reads on one node, in one round trip. */
interface NodeFacts {
  readonly state: ServiceState;
  readonly pendingRestart: boolean;
  readonly config?: string;
  /** Known when the service runs. */
  readonly release?: ReleaseResult;
  /** Read when clusterName is given: a running node's stored name. */
  readonly described?: NodetoolResult;
  /** Read when clusterName or numTokens is given. */
  readonly dataFile?: string;
}

/**
 * Every fact the preflight needs of a node, whatever its state: nodetool on a stopped node fails
 * fast and reads as a failure. describecluster and the data directory only when a rule needs them.
 */
async function readNode(host: RemoteHost, action: PreflightAction): Promise<NodeFacts> {
  const { locations } = action;
  const facts = await gatherFacts(host, {
    state: serviceStateFact(locations),
    pending: pendingFact(action.restartMarker),
    config: configFact(locations, host.isWindows),
    version: nodetoolFact(locations, 'version'),
    ...(action.clusterName !== undefined ? { described: nodetoolFact(locations, 'describecluster') } : {}),
    ...(action.clusterName !== undefined || action.numTokens !== undefined
      ? { dataFile: firstDataFileFact(locations) }
      : {}),
  });
  const { state, config, described, dataFile } = facts;
  return {
    state,
    pendingRestart: action.mode === 'configure' && facts.pending,
    ...(config !== undefined ? { config } : {}),
    ...(state === 'running' ? { release: releaseFrom(host.label, facts.version) } : {}),
    ...(described !== undefined ? { described } : {}),
    ...(dataFile !== undefined ? { dataFile } : {}),
  };
}

/** The service must exist and run (or be down with its restart due); a running node's release must be known. */
function serviceProblems(
  host: RemoteHost,
  node: PreflightNode,
  facts: NodeFacts,
  locations: CassandraLocations,
  problems: string[],
  notes: string[],
): void {
  if (facts.state === 'missing') {
    problems.push(
      `${node.name} has no service "${locations.serviceName}": install Cassandra there, or set serviceName to the name of its service`,
    );
  } else if (facts.state === 'stopped') {
    if (facts.pendingRestart) {
      notes.push(
        `${node.name} is down with a restart still pending from an earlier deploy; it restarts in its configure step and its release is checked in the verification`,
      );
    } else {
      problems.push(
        `the service "${locations.serviceName}" is not running on ${node.name}; nodetool needs a running node: start it (${host.isWindows ? `Start-Service ${locations.serviceName}` : `systemctl start ${locations.serviceName}`}) and deploy again`,
      );
    }
  } else if (facts.release && 'failure' in facts.release) problems.push(facts.release.failure);
}

function clusterNameProblems(
  node: PreflightNode,
  facts: NodeFacts,
  action: PreflightAction,
  problems: string[],
  notes: string[],
): void {
  const wanted = action.clusterName;
  if (wanted === undefined || facts.state === 'missing') return;
  const stored = storedClusterName(
    {
      state: facts.state,
      described: facts.described!,
      dataFile: facts.dataFile,
      config: facts.config,
    },
    action.locations,
  );
  if (stored.name === undefined || stored.name === wanted) return;
  if (node.dataWipeAllowed) {
    notes.push(
      `${node.name} stored cluster name "${stored.name}" (${stored.source}); its data will be set aside (allowDataWipeOn)`,
    );
    return;
  }
  problems.push(
    action.mode === 'configure'
      ? `${node.name} already stored the cluster name "${stored.name}" (${stored.source}), but clusterName is "${wanted}": Cassandra refuses to start under another name ("Saved cluster name ${stored.name} != configured name ${wanted}"). Set clusterName to "${stored.name}", or name ${node.name} in allowDataWipeOn to set its data aside (moved beside, not deleted) so it joins empty`
      : `${node.name} belongs to cluster "${stored.name}" (${stored.source}), expected "${wanted}"`,
  );
}

function numTokensProblem(
  node: PreflightNode,
  facts: NodeFacts,
  action: PreflightAction,
  problems: string[],
): void {
  if (action.numTokens === undefined || facts.config === undefined) return;
  const current = configValue(facts.config, 'num_tokens');
  if (current === String(action.numTokens)) return;
  const data = facts.dataFile;
  if (data !== undefined && !node.dataWipeAllowed) {
    problems.push(
      `numTokens ${action.numTokens} differs from num_tokens ${current ?? '(unset)'} on ${node.name}, which already holds data (${data}): num_tokens cannot change after a node bootstrapped. Keep numTokens at ${current ?? 'the current value'}, or remove numTokens`,
    );
  }
}

function configEditProblem(
  node: PreflightNode,
  facts: NodeFacts,
  locations: CassandraLocations,
): string | undefined {
  if (node.settings.length === 0) return undefined;
  if (facts.config === undefined)
    return `${locations.configPath} does not exist on ${node.name}: install Cassandra there, or set configPath to its cassandra.yaml`;
  try {
    setYamlValues(facts.config, node.settings);
    return undefined;
  } catch (error) {
    return `the cluster keys cannot be set in ${locations.configPath} on ${node.name}: ${(error as Error).message}`;
  }
}

/**
 * Every problem the two nodes have before anything changes, without failing: for this construct's
 * preflight and for a composite construct's (a DataMiner Failover pair), which reports them with its own.
 */
export async function cassandraPreflightProblems(
  action: PreflightAction,
  context: ActionContext,
): Promise<{ problems: string[]; notes: string[] }> {
  const hosts = await connectBoth(context, action.nodes);
  const problems: string[] = [];
  const notes: string[] = [];
  // Both nodes read at once, then judged in order: the problems read the same as node by node.
  const facts = await Promise.all([readNode(hosts[0], action), readNode(hosts[1], action)]);
  for (let i = 0; i < 2; i++)
    serviceProblems(hosts[i], action.nodes[i], facts[i], action.locations, problems, notes);
  checkReleases(
    action.nodes,
    facts.map((f) => f.release ?? { failure: '' }),
    action.expectedReleaseVersion,
    problems,
  );
  for (let i = 0; i < 2; i++) {
    const node = action.nodes[i];
    if (facts[i].state === 'running' || action.mode === 'configure') {
      clusterNameProblems(node, facts[i], action, problems, notes);
    }
    numTokensProblem(node, facts[i], action, problems);
    const edit = configEditProblem(node, facts[i], action.locations);
    if (edit) problems.push(edit);
  }
  // Before configuring, a node may still listen elsewhere (localhost, or it is down with a restart
  // due): its ports are then tested by the verification, after it was configured.
  const wanted = (i: number, key: string) => action.nodes[i].settings.find((s) => s.key === key)?.value;
  const listensElsewhere = (i: number, which: 'internode' | 'client') => {
    if (facts[i].state !== 'running') return true;
    if (action.mode !== 'configure') return false;
    const key = which === 'internode' ? 'listen_address' : 'rpc_address';
    return configValue(facts[i].config, key) !== String(wanted(i, key));
  };
  if (facts.every((f) => f.state !== 'missing')) {
    problems.push(...(await portProblems(hosts, action.nodes, action.ports, listensElsewhere, notes)));
  }
  return { problems, notes };
}

export const preflight: ActionHandler<PreflightAction> = async (action, context) => {
  const { problems, notes } = await cassandraPreflightProblems(action, context);
  if (problems.length > 0) failWith('Cassandra preflight', problems, 'nothing was changed on either node:');
  return { changed: false, ...(notes.length > 0 ? { detail: notes.join('; ') } : {}) };
};
