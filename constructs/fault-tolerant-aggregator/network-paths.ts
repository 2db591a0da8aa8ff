/**
 * The network paths the procedure needs, from the vendor's port list: pure, from the config.
 */
import { HostConfig, hostLabel } from '../../src/schema/host';
import type { NetworkPath } from './actions';
import { CONSUL_GOSSIP_PORT, CONSUL_HTTP_PORT, CONSUL_SERVER_PORT } from './netops';
import type { FaultTolerantAggregatorConfig } from './props';

const CONSUL_PATHS = [
  { protocol: 'tcp', port: CONSUL_SERVER_PORT, purpose: 'Consul server RPC' },
  { protocol: 'tcp', port: CONSUL_GOSSIP_PORT, purpose: 'Consul LAN gossip' },
  { protocol: 'udp', port: CONSUL_GOSSIP_PORT, purpose: 'Consul LAN gossip' },
  { protocol: 'tcp', port: CONSUL_HTTP_PORT, purpose: 'Consul HTTP API' },
] as const;

/** What Consul needs between every two of its servers, HTTP API aside (HashiCorp's "Required ports"). */
const CONSUL_SERVER_PATHS = CONSUL_PATHS.filter((p) => p.port !== CONSUL_HTTP_PORT);

type PathPort = Pick<NetworkPath, 'protocol' | 'port' | 'purpose'>;

function between(from: HostConfig, to: HostConfig, p: PathPort): NetworkPath {
  return { from, toHost: to, toAddress: to.address, toLabel: hostLabel(to), ...p };
}

/** An aggregator → the data repository (not a host of this construct: it must already answer). */
export function dataRepositoryPath(from: HostConfig, address: string, port: number): NetworkPath {
  return {
    from,
    toAddress: address,
    toLabel: `the data repository ${address}`,
    protocol: 'tcp',
    port,
    purpose: 'data repository (Vertica) client connections',
  };
}

/** Why a collector reaches an aggregator on a port: the web services, else its data (ActiveMQ). */
export function collectorPortPurpose(port: number, webServicesPort: number): string {
  return port === webServicesPort ? 'data aggregator web services' : 'collector data (ActiveMQ)';
}

/**
 * Proxy ↔ each aggregator on 8300/tcp, 8301/tcp+udp and 8500/tcp, and aggregator ↔ aggregator on
 * 8300/tcp and 8301/tcp+udp (both directions: Consul needs server RPC and LAN gossip between all
 * three servers); each aggregator → the data repository; each collector → both aggregators on
 * every port of `dataCollectors.aggregatorPorts`.
 */
export function procedurePaths(config: FaultTolerantAggregatorConfig): NetworkPath[] {
  const { proxy, aggregators, dataRepository, dataCollectors } = config;
  const pair = [aggregators.active, aggregators.inactive];
  const [first, second] = pair;
  return [
    ...pair.flatMap((da) =>
      CONSUL_PATHS.flatMap((p) => [between(proxy.host, da, p), between(da, proxy.host, p)]),
    ),
    ...CONSUL_SERVER_PATHS.flatMap((p) => [between(first, second, p), between(second, first, p)]),
    ...pair.map((da) => dataRepositoryPath(da, dataRepository.address, dataRepository.port)),
    ...dataCollectors.hosts.flatMap((dc) =>
      pair.flatMap((da) =>
        dataCollectors.aggregatorPorts.map((port) =>
          between(dc, da, {
            protocol: 'tcp',
            port,
            purpose: collectorPortPurpose(port, aggregators.webServicesPort),
          }),
        ),
      ),
    ),
  ];
}

/** "lab-a → lab-b TCP 8300 (Consul server RPC)". */
export function describePath(path: NetworkPath): string {
  return `${hostLabel(path.from)} → ${path.toLabel} ${path.protocol.toUpperCase()} ${path.port} (${path.purpose})`;
}

/** What the probes of one run saw: by target label, the listener's report; by source label, the probe results. */
export interface PathObservations {
  /** Targets whose listener could not start: label → why. */
  readonly listenerFailures: ReadonlyMap<string, string>;
  readonly busy: ReadonlyMap<string, readonly string[]>;
  readonly received: ReadonlyMap<string, readonly string[]>;
  /** By source label, then by probe spec. */
  readonly probes: ReadonlyMap<string, ReadonlyMap<string, { ok: boolean; error?: string }>>;
}

/**
 * How a path is proven. `token`: a listener of ours stands in for the service and must see the
 * probe. `connect`: a service answers there (or the target is not ours: the data repository), so
 * a TCP connection must succeed. `skip`: UDP to a service (proven later by the gossip), or a port
 * nothing listens on of a host whose component is installed: its own service owns that port, so
 * no listener of ours takes it; the ports step checks it once the service runs.
 * `listenOn`: the targets where listeners may bind; undefined after installation (every TCP path
 * must answer its service).
 */
export type ProbeMode = 'token' | 'connect' | 'skip';

export function probeMode(
  path: NetworkPath,
  busy: ReadonlyMap<string, readonly string[]>,
  listenOn: ReadonlySet<string> | undefined,
): ProbeMode {
  if (!path.toHost || !listenOn) return path.protocol === 'tcp' ? 'connect' : 'skip';
  const label = hostLabel(path.toHost);
  if ((busy.get(label) ?? []).includes(`${path.protocol}:${path.port}`))
    return path.protocol === 'tcp' ? 'connect' : 'skip';
  return listenOn.has(label) ? 'token' : 'skip';
}

/** The spec a probe gets for a path: "tcp:ADDRESS:PORT:token|connect". */
export function probeSpec(path: NetworkPath, mode: 'token' | 'connect'): string {
  return `${path.protocol}:${path.toAddress}:${path.port}:${mode}`;
}

/**
 * One problem per path that is not open. TCP: the probe must connect (and, where our listener
 * stands in, the listener must see it). UDP: the listener must receive the datagram.
 */
export function pathProblems(
  paths: readonly NetworkPath[],
  seen: PathObservations,
  listenOn: ReadonlySet<string> | undefined,
): string[] {
  const problems: string[] = [];
  for (const path of paths) {
    const fromLabel = hostLabel(path.from);
    const targetLabel = path.toHost ? hostLabel(path.toHost) : undefined;
    if (targetLabel && seen.listenerFailures.has(targetLabel)) continue;
    const mode = probeMode(path, seen.busy, listenOn);
    if (mode === 'skip') continue;
    const result = seen.probes.get(fromLabel)?.get(probeSpec(path, mode));
    if (!result) continue;
    const arrived = (seen.received.get(targetLabel ?? '') ?? []).includes(
      `${path.protocol}:${path.port}:${fromLabel}`,
    );
    if (path.protocol === 'tcp' && !result.ok)
      problems.push(`${describePath(path)} is closed: ${result.error ?? 'no connection'}`);
    else if (mode === 'token' && !arrived)
      problems.push(
        path.protocol === 'udp'
          ? `${describePath(path)} is closed: datagrams sent from ${fromLabel} never arrived`
          : `${describePath(path)}: a connection was made, but not to ${path.toLabel} (a test listener there saw nothing)`,
      );
  }
  for (const [label, why] of seen.listenerFailures)
    problems.push(`${label}: cannot listen for the network checks: ${why}`);
  return problems;
}
