/** After installation: every TCP path answers, and the gossip (UDP 8301) holds every server alive. */
import { problemList, StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { PortsAction } from './actions';
import { readConsulView } from './facts';
import { CONSUL_MEMBER_ALIVE } from './netops';
import { checkPaths } from './probe-paths';

export const ports: ActionHandler<PortsAction> = async (action, context) => {
  const problems = await checkPaths(action.paths, (h) => context.connect(h), { listen: false });
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
