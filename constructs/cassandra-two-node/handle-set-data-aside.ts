/**
 * Setting data aside on a node that stored another cluster name: only when the user named the
 * cluster, the service stopped first, the data directory moved beside itself (never deleted).
 */
import { shellScript } from '../../src/dialect/posix';
import { StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import { SetDataAsideAction } from './actions';
import { POSIX_SERVICE_CONTROL, SET_ASIDE_SCRIPT } from './commands';
import { readConfig, serviceState, storedClusterName } from './facts';

export function setAsideSuffix(now = new Date()): string {
  return `.cdktf-failover-set-aside-${now.toISOString().replace(/[-:.]/g, '')}`;
}

export const setDataAside: ActionHandler<SetDataAsideAction> = async (action, context) => {
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
