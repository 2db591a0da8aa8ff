/** After installation: every TCP path answers, and the gossip (UDP 8301) holds every server alive. */
import { problemList, StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { PortsAction } from './actions';
import { readAggregatorStatus, readConsulView } from './facts';
import { CONSUL_MEMBER_ALIVE } from './netops';
import { checkPaths } from './probe-paths';
import { hostLabel } from '../../src/schema/host';

export const ports: ActionHandler<PortsAction> = async (action, context) => {
  // The web services answer on the Active aggregator; a standby's port may stay closed.
  const statuses = await Promise.all(
    action.aggregators.map(async (a) => readAggregatorStatus(await context.connect(a.host), a)),
  );
  const standby = new Set(statuses.filter((s) => s.state !== 'Active').map((s) => s.label));
  const paths = action.paths.filter(
    (p) => !(p.port === action.webServicesPort && p.toHost && standby.has(hostLabel(p.toHost))),
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
      }); open TCP and UDP 8301 between the proxy and both aggregators`,
    );
  if (problems.length > 0) throw new StepFailure(problemList('ports of the procedure are closed:', problems));
  return {
    changed: false,
    detail: `${action.paths.length} TCP paths answer; gossip: ${alive.length} servers alive`,
  };
};
