/**
 * After installation: every TCP path answers, the gossip (UDP 8301) holds every server alive, and
 * each collector holds its connections to the Active aggregator.
 */
import { problemList, StepFailure } from '../../src/errors';
import type { ActionContext, ActionHandler } from '../../src/runner/action-handler';
import type { AggregatorRef, PortsAction } from './actions';
import { readCollectorConnections } from './collector-connections';
import { portsWithoutConnection } from './collector-rules';
import { readAggregatorStatus, readConsulView } from './facts';
import { CONSUL_MEMBER_ALIVE } from './netops';
import { checkPaths } from './probe-paths';
import { hostLabel } from '../../src/schema/host';

/**
 * One problem per collector not connected to the Active aggregator on every port, read from the
 * collector's established TCP connections (its `dcmd status` still says it runs when it hangs).
 */
async function collectorConnectionProblems(
  action: PortsAction,
  context: ActionContext,
  active: AggregatorRef | undefined,
): Promise<string[]> {
  const { hosts, ports } = action.collectors;
  if (hosts.length === 0) return [];
  if (!active)
    return [
      `no aggregator is Active, so no collector can be connected to one (${hosts.map(hostLabel).join(', ')})`,
    ];
  const problems = await Promise.all(
    hosts.map(async (h) => {
      const host = await context.connect(h);
      const report = await readCollectorConnections(host, [active.host.address]);
      const missing = portsWithoutConnection(report, [active.host.address], ports);
      return missing.length === 0
        ? []
        : [
            `${host.label} holds no connection to the Active aggregator ${hostLabel(active.host)} on TCP ${missing.join(', ')} (a collector started before its aggregator hangs while its service status still says it runs): stop, then start the collector (dataCollectors.stopCommand, startCommand), and check these ports from ${host.label}`,
          ];
    }),
  );
  return problems.flat();
}

export const ports: ActionHandler<PortsAction> = async (action, context) => {
  // The web services and the collectors' ports answer on the Active aggregator only: the standby
  // runs no DA process (KB 106988).
  const statuses = await Promise.all(
    action.aggregators.map(async (a) => readAggregatorStatus(await context.connect(a.host), a)),
  );
  const standby = new Set(statuses.filter((s) => s.state !== 'Active').map((s) => s.label));
  const activeOnly = new Set(action.activeOnlyPorts);
  const paths = action.paths.filter(
    (p) => !(activeOnly.has(p.port) && p.toHost && standby.has(hostLabel(p.toHost))),
  );
  const problems = await checkPaths(paths, (h) => context.connect(h));
  // UDP has no answer to wait for: a member Consul sees alive has exchanged gossip datagrams.
  const view = await readConsulView(context.host);
  const alive = view.members.filter((m) => m.Status === CONSUL_MEMBER_ALIVE);
  if (alive.length < action.servers)
    problems.push(
      `UDP 8301 (Consul LAN gossip): ${alive.length} of ${action.servers} servers alive on ${context.host.label} (${
        view.members
          .map((m) => `${m.Name} ${m.Status === CONSUL_MEMBER_ALIVE ? 'alive' : `status ${m.Status}`}`)
          .join(', ') || 'no members'
      }); open TCP and UDP 8301 between all three servers (the proxy and both aggregators)`,
    );
  const active = action.aggregators.find((a) =>
    statuses.some((s) => s.label === hostLabel(a.host) && s.state === 'Active'),
  );
  problems.push(...(await collectorConnectionProblems(action, context, active)));
  if (problems.length > 0) throw new StepFailure(problemList('ports of the procedure are closed:', problems));
  return {
    changed: false,
    detail: `${paths.length} TCP paths answer; gossip: ${alive.length} servers alive; ${action.collectors.hosts.length} collector(s) connected`,
  };
};
