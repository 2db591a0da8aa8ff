/**
 * Runner side of CassandraTwoNode: preflight and cluster verification across both nodes, and
 * setting data aside on a node that stored another cluster name (only when the user named it).
 */
import { sleep } from '../../src/runner/sleep';
import { shellScript } from '../../src/dialect/posix';
import { setYamlValues } from '../../src/edit/yaml';
import { problemList, StepFailure } from '../../src/errors';
import type { ActionContext, ActionHandler } from '../../src/runner/action-handler';
import type { HandlerMap } from '../../src/runner/action-registry';
import type { RemoteHost } from '../../src/runner/remote-host';
import {
  CassandraTwoNodeAction,
  NodeTarget,
  PREFLIGHT_KIND,
  PreflightAction,
  PreflightNode,
  SET_DATA_ASIDE_KIND,
  SetDataAsideAction,
  VERIFY_CLUSTER_KIND,
  VerifyClusterAction,
} from './actions';
import { POSIX_SERVICE_CONTROL } from './commands';
import {
  configValue,
  firstDataFile,
  nodetool,
  portAnswers,
  readConfig,
  ReleaseResult,
  releaseOf,
  ServiceState,
  serviceState,
  storedClusterName,
} from './facts';
import {
  clusterProblems,
  NodeRelease,
  parseDescribeCluster,
  parseNodetoolStatus,
  releaseProblem,
} from './parse';
import type { CassandraLocations, CassandraPorts } from './props';

function failWith(what: string, problems: readonly string[], closing: string): never {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new StepFailure(problemList(`${what} found ${count}; ${closing}`, problems));
}

async function connectBoth(
  context: ActionContext,
  nodes: readonly [NodeTarget, NodeTarget],
): Promise<[RemoteHost, RemoteHost]> {
  return [await context.connect(nodes[0].host), await context.connect(nodes[1].host)];
}

function checkReleases(
  nodes: readonly [NodeTarget, NodeTarget],
  results: readonly ReleaseResult[],
  expected: string | undefined,
  problems: string[],
): void {
  const known: NodeRelease[] = [];
  results.forEach((r, i) => {
    if ('release' in r) known.push({ node: nodes[i].name, release: r.release });
  });
  if (known.length === 2) {
    const problem = releaseProblem([known[0], known[1]], expected);
    if (problem) problems.push(problem);
  } else if (known.length === 1 && expected !== undefined && known[0].release !== expected) {
    problems.push(
      `expectedReleaseVersion is ${expected}, but ${known[0].node} runs ${known[0].release}: update it first.`,
    );
  }
}

/** Each node tests the other's ports itself: the path that matters is node to node, not runner to node. */
async function portProblems(
  hosts: readonly [RemoteHost, RemoteHost],
  nodes: readonly [NodeTarget, NodeTarget],
  ports: CassandraPorts,
  skip: (to: number, which: 'internode' | 'client') => boolean,
  notes: string[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const [from, to] of [
    [0, 1],
    [1, 0],
  ] as const) {
    for (const which of ['internode', 'client'] as const) {
      const address = which === 'internode' ? nodes[to].listenAddress : nodes[to].clientAddress;
      const port = ports[which];
      if (skip(to, which)) {
        notes.push(`${nodes[from].name} → ${address}:${port} tested after configuration`);
        continue;
      }
      const answer = await portAnswers(hosts[from], address, port);
      if (!answer.ok) {
        problems.push(
          `${nodes[from].name} cannot reach ${nodes[to].name} at ${address}:${port} (${which === 'internode' ? 'internode' : 'CQL'}; tested on ${nodes[from].name}: ${answer.detail}): open tcp ${port} from ${nodes[from].name} to ${nodes[to].name} and make sure Cassandra listens there`,
        );
      }
    }
  }
  return problems;
}

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

const preflight: ActionHandler<PreflightAction> = async (action, context) => {
  const { problems, notes } = await cassandraPreflightProblems(action, context);
  if (problems.length > 0) failWith('Cassandra preflight', problems, 'nothing was changed on either node:');
  return { changed: false, ...(notes.length > 0 ? { detail: notes.join('; ') } : {}) };
};

/** Moves $1 to $1$2 and leaves an empty $1 with the same owner and mode. Prints where the data went. */
export const SET_ASIDE_SCRIPT = `set -eu
dir=$1; aside=$1$2
[ -d "$dir" ] || exit 0
if [ -e "$aside" ]; then echo "$aside already exists" >&2; exit 1; fi
mv -- "$dir" "$aside"
mkdir -- "$dir"
chmod --reference="$aside" -- "$dir"
chown --reference="$aside" -- "$dir"
printf '%s\\n' "$aside"`;

export function setAsideSuffix(now = new Date()): string {
  return `.cdktf-failover-set-aside-${now.toISOString().replace(/[-:.]/g, '')}`;
}

const setDataAside: ActionHandler<SetDataAsideAction> = async (action, context) => {
  const { host } = context;
  const { locations } = action;
  if (host.isWindows)
    throw new StepFailure(`setting data aside is supported on Linux only; ${host.label} is a Windows host`);
  const state = await serviceState(host, locations);
  if (state === 'missing') throw new StepFailure(`${host.label} has no service "${locations.serviceName}"`);
  const stored = await storedClusterName(host, locations, state, await readConfig(host, locations));
  if (stored.name === undefined || stored.name === action.clusterName) return { changed: false };
  if (context.checkOnly)
    return {
      changed: true,
      detail: `would set ${locations.dataDirectory} aside (stored cluster name "${stored.name}")`,
    };
  await context.aboutToChange();
  if (state === 'running')
    await host.runOrFail(
      POSIX_SERVICE_CONTROL.stop(locations.serviceName),
      `stopping ${locations.serviceName}`,
    );
  const moved = await host.runOrFail(
    { argv: shellScript(SET_ASIDE_SCRIPT, locations.dataDirectory, setAsideSuffix()) },
    `setting ${locations.dataDirectory} aside`,
  );
  const aside = moved.stdout.trim();
  return { changed: true, detail: `data of cluster "${stored.name}" moved to ${aside}` };
};

/** Seconds between looks at a cluster that is not healthy yet. */
export const VERIFY_POLL_MS = 2000;

async function clusterViewProblems(
  hosts: readonly [RemoteHost, RemoteHost],
  action: VerifyClusterAction,
  notes: Set<string>,
): Promise<string[]> {
  const problems: string[] = [];
  const addresses = action.nodes.map((n) => n.listenAddress);
  const names = new Set<string>();
  for (let i = 0; i < 2; i++) {
    const status = await nodetool(hosts[i], action.locations, 'status');
    const described = await nodetool(hosts[i], action.locations, 'describecluster');
    if (!status.ok || !described.ok) {
      problems.push((status.failure ?? described.failure)!);
      continue;
    }
    const description = parseDescribeCluster(described.output);
    if (description.name !== undefined) names.add(description.name);
    problems.push(
      ...clusterProblems(
        action.nodes[i].name,
        parseNodetoolStatus(status.output),
        description,
        addresses,
        action.clusterName,
      ),
    );
    for (const ks of description.keyspaces) {
      if (ks.replicationFactor < 2)
        notes.add(
          `keyspace ${ks.keyspace} has replication factor ${ks.replicationFactor}: its data is unavailable while one node is down`,
        );
    }
  }
  if (names.size > 1)
    problems.push(
      `the nodes report different cluster names: ${[...names].map((n) => `"${n}"`).join(' and ')}`,
    );
  return problems;
}

/** Why two nodes may not have formed one cluster, from their cassandra.yaml files. */
async function configHints(
  hosts: readonly [RemoteHost, RemoteHost],
  locations: CassandraLocations,
): Promise<string[]> {
  const configs = await Promise.all(hosts.map((h) => readConfig(h, locations).catch(() => undefined)));
  const hints: string[] = [];
  for (const [key, label] of [
    ['cluster_name', 'cluster_name'],
    ['seed_provider[0].parameters[0].seeds', 'seeds'],
  ] as const) {
    const values = configs.map((c) => configValue(c, key));
    if (values.every((v) => v !== undefined) && values[0] !== values[1]) {
      hints.push(
        `${label} differs in ${locations.configPath}: ${hosts[0].label} "${values[0]}", ${hosts[1].label} "${values[1]}"`,
      );
    }
  }
  return hints;
}

const verifyCluster: ActionHandler<VerifyClusterAction> = async (action, context) => {
  const hosts = await connectBoth(context, action.nodes);
  const deadline = Date.now() + action.healthTimeoutSeconds * 1000;
  const notes = new Set<string>();
  let problems: string[];
  // Gossip needs a moment after the last restart before both views agree.
  for (;;) {
    notes.clear();
    problems = await clusterViewProblems(hosts, action, notes);
    if (problems.length === 0 || Date.now() + VERIFY_POLL_MS > deadline) break;
    await sleep(VERIFY_POLL_MS);
  }
  const releases = await Promise.all(hosts.map((h) => releaseOf(h, action.locations)));
  releases.forEach((r) => 'failure' in r && problems.push(r.failure));
  checkReleases(action.nodes, releases, action.expectedReleaseVersion, problems);
  const portNotes: string[] = [];
  problems.push(...(await portProblems(hosts, action.nodes, action.ports, () => false, portNotes)));
  if (problems.length > 0) {
    const hints = await configHints(hosts, action.locations);
    failWith(
      'Cassandra verification',
      [...problems, ...hints.map((h) => `hint: ${h}`)],
      `the cluster of ${action.nodes[0].name} and ${action.nodes[1].name} is not healthy after ${action.healthTimeoutSeconds} s:`,
    );
  }
  return { changed: false, ...(notes.size > 0 ? { detail: [...notes].join('; ') } : {}) };
};

/** The runner's handler of each CassandraTwoNode action kind. */
export const CASSANDRA_TWO_NODE_HANDLERS: HandlerMap<CassandraTwoNodeAction> = {
  [PREFLIGHT_KIND]: preflight,
  [SET_DATA_ASIDE_KIND]: setDataAside,
  [VERIFY_CLUSTER_KIND]: verifyCluster,
};
