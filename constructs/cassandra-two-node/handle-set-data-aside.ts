/**
 * Setting data aside on a node that stored another cluster name: only when the user named it in
 * allowDataWipeOn, the service stopped first, the data directory moved beside itself (never
 * deleted). An operation on the core's frame (src/frame): the node's service state, its stored
 * cluster name and its data are the facts.
 *
 * No pending marker: every half-done state shows in the facts (stopped with the old data still in
 * place: set aside again; moved: nothing left to do), and the restart is the action's own
 * notification, which the frame records before the service is stopped.
 */
import { shellScript } from '../../src/dialect/posix';
import { StepFailure } from '../../src/errors';
import type { Fact } from '../../src/frame/fact';
import { change, ChangeCall, noop, Operation, runOperation } from '../../src/frame/operation';
import type { RemoteCommand } from '../../src/actions';
import { tail } from '../../src/runner/remote-host';
import type { ActionHandler } from '../../src/runner/action-handler';
import { SetDataAsideAction } from './actions';
import { POSIX_SERVICE_CONTROL, SET_ASIDE_SCRIPT } from './commands';
import {
  configFact,
  firstDataFileFact,
  nodetoolFact,
  NodetoolResult,
  ServiceState,
  serviceStateFact,
  storedClusterName,
} from './facts';

export function setAsideSuffix(now = new Date()): string {
  return `.cdktf-failover-set-aside-${now.toISOString().replace(/[-:.]/g, '')}`;
}

/** The action where it runs: the host's label (for messages) and this run's name for the moved data. */
export type SetDataAsideOnHost = SetDataAsideAction & {
  readonly hostLabel: string;
  readonly asideSuffix: string;
};

type SetDataAsideFacts = {
  state: Fact<ServiceState>;
  described: Fact<NodetoolResult>;
  dataFile: Fact<string | undefined>;
  config: Fact<string | undefined>;
};

/** A command of the change that must succeed: its failure says what was attempted, where, and its output. */
function mustSucceed(command: RemoteCommand, what: string): ChangeCall {
  return {
    command,
    what,
    failure: (result, host) => {
      const detail = tail(result.stderr || result.stdout);
      return `${what} failed on ${host.label} (exit ${result.code})${detail ? `:\n${detail}` : '.'}`;
    },
  };
}

export const SET_DATA_ASIDE_OPERATION: Operation<SetDataAsideOnHost, SetDataAsideFacts> = {
  facts: ({ locations }) => ({
    state: serviceStateFact(locations),
    described: nodetoolFact(locations, 'describecluster'),
    dataFile: firstDataFileFact(locations),
    // Set aside on Linux only (the handler refuses Windows first): the file comes as it is.
    config: configFact(locations, false),
  }),
  decide: (facts, action) => {
    const { locations } = action;
    if (facts.state === 'missing')
      throw new StepFailure(`${action.hostLabel} has no service "${locations.serviceName}"`);
    const stored = storedClusterName(facts, locations);
    if (stored.name === undefined) return noop(`no cluster name stored (${stored.source})`);
    if (stored.name === action.clusterName)
      return noop(`the stored cluster name is "${stored.name}" (${stored.source})`);
    const aside = `${locations.dataDirectory}${action.asideSuffix}`;
    return change({
      description: `data of cluster "${stored.name}" moved to ${aside}`,
      intent: `set ${locations.dataDirectory} aside (stored cluster name "${stored.name}")`,
      reason: `${locations.dataDirectory} still holds the data of cluster "${stored.name}" (${stored.source})`,
      calls: [
        ...(facts.state === 'running'
          ? [
              mustSucceed(
                POSIX_SERVICE_CONTROL.stop(locations.serviceName),
                `stopping ${locations.serviceName}`,
              ),
            ]
          : []),
        mustSucceed(
          { argv: shellScript(SET_ASIDE_SCRIPT, locations.dataDirectory, action.asideSuffix) },
          `setting ${locations.dataDirectory} aside`,
        ),
      ],
    });
  },
  notHeld: (after, action, host) =>
    `${action.locations.dataDirectory} was moved aside on ${host.label}, but ${after.changes.map((c) => c.reason).join('; ')}: look at what recreated it (a service that started again) before deploying again.`,
};

export const setDataAside: ActionHandler<SetDataAsideAction> = async (action, context) => {
  const { host } = context;
  if (host.isWindows)
    throw new StepFailure(`setting data aside is supported on Linux only; ${host.label} is a Windows host`);
  return runOperation(
    SET_DATA_ASIDE_OPERATION,
    { ...action, hostLabel: host.label, asideSuffix: setAsideSuffix() },
    context,
  );
};
