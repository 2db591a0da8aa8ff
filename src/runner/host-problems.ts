import { StepFailure } from '../errors';
import { HostConfig, hostLabel } from '../schema/host';
import type { RemoteHost } from './remote-host';

/**
 * Runs one host's preflight checks. An unreachable host (or any check that fails outright) is a
 * problem to report with the others, not a reason to stop looking at the rest.
 */
export async function problemsOnHost(
  config: HostConfig,
  connect: (h: HostConfig) => Promise<RemoteHost>,
  check: (host: RemoteHost) => Promise<string[]>,
): Promise<string[]> {
  try {
    return await check(await connect(config));
  } catch (error) {
    if (error instanceof StepFailure) {
      const label = hostLabel(config);
      return [error.message.startsWith(label) ? error.message : `${label}: ${error.message}`];
    }
    throw error;
  }
}
