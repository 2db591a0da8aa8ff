/** The preflight of both nodes: every problem at once, nothing changed on either node. */
import { setYamlValues } from '../../src/edit/yaml';
import type { ActionContext, ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { PreflightAction, PreflightNode } from './actions';
import {
  configValue,
  firstDataFile,
  readConfig,
  ReleaseResult,
  releaseOf,
  ServiceState,
  serviceState,
  storedClusterName,
} from './facts';
import type { CassandraLocations } from './props';
import { checkReleases, connectBoth, failWith, portProblems } from './node-pair';

/** What the preflight reads on one node. */
interface NodeFacts {
  readonly state: ServiceState;
  readonly pendingRestart: boolean;
  readonly config?: string;
  readonly release?: ReleaseResult;
}

async function inspectForPreflight(
  host: RemoteHost,
  node: PreflightNode,
  action: PreflightAction,
  problems: string[],
  notes: string[],
): Promise<NodeFacts> {
  const { locations } = action;
  const state = await serviceState(host, locations);
  const pendingRestart = action.mode === 'configure' && (await host.isPending(action.restartMarker));
  const config = await readConfig(host, locations);
  if (state === 'missing') {
    problems.push(
      `${node.name} has no service "${locations.serviceName}": install Cassandra there, or set serviceName to the name of its service`,
    );
    return { state, pendingRestart, ...(config !== undefined ? { config } : {}) };
  }
  if (state === 'stopped') {
    if (pendingRestart) {
      notes.push(
        `${node.name} is down with a restart still pending from an earlier deploy; it restarts in its configure step and its release is checked in the verification`,
      );
    } else {
      problems.push(
        `the service "${locations.serviceName}" is not running on ${node.name}; nodetool needs a running node: start it (${host.isWindows ? `Start-Service ${locations.serviceName}` : `systemctl start ${locations.serviceName}`}) and deploy again`,
      );
    }
    return { state, pendingRestart, ...(config !== undefined ? { config } : {}) };
  }
  const release = await releaseOf(host, locations);
  if ('failure' in release) problems.push(release.failure);
  return { state, pendingRestart, ...(config !== undefined ? { config } : {}), release };
}

async function clusterNameProblems(
  host: RemoteHost,
  node: PreflightNode,
  facts: NodeFacts,
  action: PreflightAction,
  problems: string[],
  notes: string[],
): Promise<void> {
  const wanted = action.clusterName;
  if (wanted === undefined || facts.state === 'missing') return;
  const stored = await storedClusterName(host, action.locations, facts.state, facts.config);
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

async function numTokensProblem(
  host: RemoteHost,
  node: PreflightNode,
  facts: NodeFacts,
  action: PreflightAction,
  problems: string[],
): Promise<void> {
  if (action.numTokens === undefined || facts.config === undefined) return;
  const current = configValue(facts.config, 'num_tokens');
  if (current === String(action.numTokens)) return;
  const data = await firstDataFile(host, action.locations);
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
  const facts: NodeFacts[] = [];
  for (let i = 0; i < 2; i++)
    facts.push(await inspectForPreflight(hosts[i], action.nodes[i], action, problems, notes));
  checkReleases(
    action.nodes,
    facts.map((f) => f.release ?? { failure: '' }),
    action.expectedReleaseVersion,
    problems,
  );
  for (let i = 0; i < 2; i++) {
    const node = action.nodes[i];
    if (facts[i].state === 'running' || action.mode === 'configure') {
      await clusterNameProblems(hosts[i], node, facts[i], action, problems, notes);
    }
    await numTokensProblem(hosts[i], node, facts[i], action, problems);
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
