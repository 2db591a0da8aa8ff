/**
 * Pure decisions about collectors: do both aggregators answer, is a collector connected, and does
 * it need the repair (stop, then start: KB 233704).
 */
import type { ConnectionsReport, ProbeResult } from './parse';

/** The wait of a collector for both aggregators (InstallAction.waitFor). */
export interface AggregatorWait {
  readonly aggregators: readonly { readonly address: string; readonly label: string }[];
  readonly activePort: number;
  readonly standbyPort: number;
}

/** The probe spec of one aggregator port ("tcp:ADDRESS:PORT:connect"). */
export const connectSpec = (address: string, port: number) => `tcp:${address}:${port}:connect`;

/** Every spec the wait probes: each aggregator on the standby port and on the active port. */
export function waitSpecs(wait: AggregatorWait): string[] {
  return wait.aggregators.flatMap((a) => [
    connectSpec(a.address, wait.standbyPort),
    connectSpec(a.address, wait.activePort),
  ]);
}

/**
 * What keeps the collector waiting, one sentence per missing answer (none: both answer). Every
 * aggregator must answer on the standby port (its Consul server: the standby runs no DA process,
 * KB 106988, but it is a Consul server); one of them, the Active one, on the active port (its
 * web services).
 */
export function aggregatorsNotAnswering(wait: AggregatorWait, results: readonly ProbeResult[]): string[] {
  const bySpec = new Map(results.map((r) => [r.spec, r]));
  const outcome = (address: string, port: number) => bySpec.get(connectSpec(address, port));
  const why = (r: ProbeResult | undefined) => (r ? (r.error ?? 'closed') : 'not probed');
  const missing = wait.aggregators
    .filter((a) => !outcome(a.address, wait.standbyPort)?.ok)
    .map(
      (a) =>
        `${a.label} does not answer on TCP ${wait.standbyPort} (its Consul server, which a standby runs too): ${why(outcome(a.address, wait.standbyPort))}`,
    );
  if (!wait.aggregators.some((a) => outcome(a.address, wait.activePort)?.ok))
    missing.push(
      `no aggregator answers on TCP ${wait.activePort} (the Active aggregator's web services): ${wait.aggregators
        .map((a) => `${a.label} ${why(outcome(a.address, wait.activePort))}`)
        .join(', ')}`,
    );
  return missing;
}

/**
 * The ports on which the collector holds no established connection to any of `addresses` (the
 * aggregators it may be connected to; what a name resolves to on the collector counts as it).
 */
export function portsWithoutConnection(
  report: ConnectionsReport,
  addresses: readonly string[],
  ports: readonly number[],
): number[] {
  const peers = new Set(addresses.flatMap((a) => report.addresses.get(a) ?? [a]));
  return ports.filter(
    (port) => !report.connections.some((c) => c.peerPort === port && peers.has(c.peerAddress)),
  );
}

/**
 * Why the collector is stopped and started, or undefined when it is left running: an aggregator
 * was installed or upgraded since it started, or it is not connected on every port.
 */
export function collectorRepairReason(
  aggregatorsChanged: boolean,
  unconnectedPorts: readonly number[],
): string | undefined {
  if (unconnectedPorts.length > 0)
    return `it holds no connection to an aggregator on TCP ${unconnectedPorts.join(', ')}`;
  if (aggregatorsChanged) return 'an aggregator was installed or upgraded after it started';
  return undefined;
}
