/**
 * Is a collector really connected to its aggregators? Read from the kernel's list of established
 * TCP connections on the collector, never from `dcmd status` alone: a collector started before
 * its aggregator hangs, and its status still says it runs (its ICMP process does, KB 233704).
 */
import { shellScript } from '../../src/dialect/posix';
import { StepFailure } from '../../src/errors';
import type { RemoteHost } from '../../src/runner/remote-host';
import { ESTABLISHED_TCP } from './commands';
import { ConnectionsReport, parseConnectionsReport } from './parse';

/** The collector's established TCP connections, with what the aggregators' addresses resolve to there. */
export async function readCollectorConnections(
  host: RemoteHost,
  aggregatorAddresses: readonly string[],
): Promise<ConnectionsReport> {
  const result = await host.runOrFail(
    { argv: shellScript(ESTABLISHED_TCP, ...aggregatorAddresses) },
    'listing the established TCP connections (ss -tn)',
  );
  try {
    return parseConnectionsReport(result.stdout);
  } catch (error) {
    throw new StepFailure(
      `${host.label}: the list of TCP connections printed something unexpected: ${(error as Error).message}`,
    );
  }
}
