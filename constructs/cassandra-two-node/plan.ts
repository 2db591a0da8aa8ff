import type { Action, ConfigSetting } from '../../src/actions';
import { slugStepId, Step } from '../../src/step';
import {
  NodeTarget,
  PREFLIGHT_KIND,
  PreflightAction,
  SET_DATA_ASIDE_KIND,
  SetDataAsideAction,
  VERIFY_CLUSTER_KIND,
  VerifyClusterAction,
} from './actions';
import { POSIX_SERVICE_CONTROL } from './commands';
import type { CassandraNodeConfig, CassandraTwoNodeConfig } from './props';

/** The cassandra.yaml keys configure mode owns on a node; every other key and comment stays. */
export function ownedSettings(config: CassandraTwoNodeConfig, node: CassandraNodeConfig): ConfigSetting[] {
  return [
    { key: 'cluster_name', value: config.clusterName ?? '' },
    { key: 'seed_provider[0].parameters[0].seeds', value: config.seeds.join(',') },
    { key: 'listen_address', value: node.listenAddress },
    { key: 'rpc_address', value: node.rpcAddress },
    ...(node.broadcastRpcAddress ? [{ key: 'broadcast_rpc_address', value: node.broadcastRpcAddress }] : []),
    { key: 'endpoint_snitch', value: config.endpointSnitch },
    ...(config.numTokens !== undefined ? [{ key: 'num_tokens', value: config.numTokens }] : []),
  ];
}

/** The pending-notification name for a restart of this service (one marker per service per host). */
export function restartMarker(serviceName: string): string {
  return `restart-${serviceName.toLowerCase().replace(/[^a-z0-9.-]+/g, '-')}`.slice(0, 63);
}

export const PREFLIGHT_STEP = 'preflight';
export const VERIFY_STEP = 'verify';

export function configureStepId(index: number, node: CassandraNodeConfig): string {
  return slugStepId(`configure-${index + 1}`, node.name, index + 1);
}

function target(node: CassandraNodeConfig): NodeTarget {
  return {
    host: node.host,
    name: node.name,
    listenAddress: node.listenAddress,
    clientAddress: node.clientAddress,
  };
}

/**
 * The steps of a two-node cluster: preflight on both nodes before anything changes; in configure
 * mode one step per node, the second after the first is back `UN`; then a verification of the
 * whole cluster.
 */
export function planCassandraTwoNodeSteps(config: CassandraTwoNodeConfig): Step[] {
  const [first, second] = config.nodes;
  const marker = restartMarker(config.locations.serviceName);
  const configuring = config.mode === 'configure';

  const preflight: PreflightAction = {
    kind: PREFLIGHT_KIND,
    description: `preflight of ${first.name} and ${second.name}: services, releases, ports, cluster names`,
    mode: config.mode,
    nodes: [
      {
        ...target(first),
        settings: configuring ? ownedSettings(config, first) : [],
        dataWipeAllowed: config.allowDataWipeOn.includes(first.name),
      },
      {
        ...target(second),
        settings: configuring ? ownedSettings(config, second) : [],
        dataWipeAllowed: config.allowDataWipeOn.includes(second.name),
      },
    ],
    locations: config.locations,
    ports: config.ports,
    ...(config.clusterName !== undefined ? { clusterName: config.clusterName } : {}),
    ...(config.expectedReleaseVersion !== undefined
      ? { expectedReleaseVersion: config.expectedReleaseVersion }
      : {}),
    ...(config.numTokens !== undefined && configuring ? { numTokens: config.numTokens } : {}),
    restartMarker: marker,
  };
  const steps: Step[] = [
    {
      id: PREFLIGHT_STEP,
      rerunsWithAnyStep: true,
      description: `Cassandra preflight on ${first.name} and ${second.name}`,
      host: first.host,
      actions: [preflight],
      after: [],
      when: 'create',
    },
  ];
  if (config.mode === 'preflight') return steps;

  if (configuring) {
    config.nodes.forEach((node, i) => {
      steps.push({
        id: configureStepId(i, node),
        description: `Cassandra on ${node.name}: cluster keys in ${config.locations.configPath}, restart if they changed, wait for UN`,
        host: node.host,
        actions: configureActions(config, node, marker),
        // The second node waits for the first to be back UN: never both down at once.
        after: [i === 0 ? PREFLIGHT_STEP : configureStepId(0, first)],
        when: 'create',
      });
    });
  }

  const verify: VerifyClusterAction = {
    kind: VERIFY_CLUSTER_KIND,
    description: `one cluster: ${first.listenAddress} and ${second.listenAddress} UN, one schema version`,
    nodes: [target(first), target(second)],
    locations: config.locations,
    ports: config.ports,
    ...(config.clusterName !== undefined ? { clusterName: config.clusterName } : {}),
    ...(config.expectedReleaseVersion !== undefined
      ? { expectedReleaseVersion: config.expectedReleaseVersion }
      : {}),
    healthTimeoutSeconds: config.healthTimeoutSeconds,
  };
  steps.push({
    id: VERIFY_STEP,
    description: `Cassandra cluster of ${first.name} and ${second.name} is healthy`,
    host: first.host,
    actions: [verify],
    after: [configuring ? configureStepId(1, second) : PREFLIGHT_STEP],
    when: 'create',
  });
  return steps;
}

function configureActions(
  config: CassandraTwoNodeConfig,
  node: CassandraNodeConfig,
  marker: string,
): Action[] {
  const { locations } = config;
  const actions: Action[] = [];
  if (config.allowDataWipeOn.includes(node.name)) {
    const setAside: SetDataAsideAction = {
      kind: SET_DATA_ASIDE_KIND,
      description: `set ${locations.dataDirectory} aside if it belongs to another cluster than "${config.clusterName}"`,
      clusterName: config.clusterName!,
      listenAddress: node.listenAddress,
      locations,
      notifies: marker,
    };
    actions.push(setAside);
  }
  actions.push(
    {
      kind: 'config',
      format: 'yaml',
      path: locations.configPath,
      settings: ownedSettings(config, node),
      notifies: marker,
    },
    {
      kind: 'command',
      description: `restart ${locations.serviceName} and wait until ${node.listenAddress} shows UN`,
      whenNotified: marker,
      run: POSIX_SERVICE_CONTROL.restart(locations.serviceName),
      verify: POSIX_SERVICE_CONTROL.awaitUn(
        locations.nodetoolPath,
        node.listenAddress,
        config.healthTimeoutSeconds,
      ),
    },
  );
  return actions;
}
