/** The cluster verification: both nodes see one healthy cluster, polled until the timeout. */
import { sleep } from '../../src/runner/sleep';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { VerifyClusterAction } from './actions';
import { gatherFacts } from '../../src/frame/fact';
import { configFact, configValue, nodetoolFact, releaseFrom, ReleaseResult } from './facts';
import { clusterProblems, parseDescribeCluster, parseNodetoolStatus } from './parse';
import type { CassandraLocations } from './props';
import { checkReleases, connectBoth, failWith, portProblems } from './node-pair';

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
  const views = await Promise.all(
    hosts.map((host) =>
      gatherFacts(host, {
        status: nodetoolFact(action.locations, 'status'),
        described: nodetoolFact(action.locations, 'describecluster'),
      }),
    ),
  );
  for (let i = 0; i < 2; i++) {
    const { status, described } = views[i];
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
  const configs = await Promise.all(
    hosts.map((h) =>
      gatherFacts(h, { config: configFact(locations, h.isWindows) }).then(
        (f) => f.config,
        () => undefined,
      ),
    ),
  );
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

export const verifyCluster: ActionHandler<VerifyClusterAction> = async (action, context) => {
  const hosts = await connectBoth(context, action.nodes);
  const deadline = Date.now() + action.healthTimeoutSeconds * 1000;
  const notes = new Set<string>();
  let problems: string[];
  // A wait loop, not an operation: gossip needs a moment after the last restart before both views agree.
  for (;;) {
    notes.clear();
    problems = await clusterViewProblems(hosts, action, notes);
    if (problems.length === 0 || Date.now() + VERIFY_POLL_MS > deadline) break;
    await sleep(VERIFY_POLL_MS);
  }
  const releases: ReleaseResult[] = await Promise.all(
    hosts.map(async (h) =>
      releaseFrom(
        h.label,
        (await gatherFacts(h, { version: nodetoolFact(action.locations, 'version') })).version,
      ),
    ),
  );
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
