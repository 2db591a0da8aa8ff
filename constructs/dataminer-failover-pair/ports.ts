/** The agents' port checks: from each agent to the other (or to the storage), any listed port answering. */
import type { RemoteHost } from '../../src/runner/remote-host';
import type { PortCheck } from './actions';
import { factCalls } from './facts';

export interface Agent {
  readonly host: RemoteHost;
  readonly address: string;
}

/**
 * One problem per closed path. Ping between the agents is not checked: heartbeats "to an IP" are
 * the user's choice, not a prerequisite. The NATS account server is skipped when either agent was
 * migrated to BrokerGateway.
 */
export async function agentPortProblems(
  primary: Agent,
  backup: Agent,
  checks: readonly PortCheck[],
  brokerGateway: boolean,
): Promise<string[]> {
  const sides: [Agent, Agent][] = [
    [primary, backup],
    [backup, primary],
  ];
  const wanted = checks.filter((check) => !(check.unlessBrokerGateway && brokerGateway));
  // Each side probes from its own agent, side by side.
  const results = await Promise.all(sides.map(([from, peer]) => sideProblems(from, peer, wanted)));
  return results.flat();
}

/** One round trip for the first port of every check; a check whose first port is closed tries its others in one more. */
async function sideProblems(from: Agent, peer: Agent, checks: readonly PortCheck[]): Promise<string[]> {
  const problems: string[] = [];
  const target = (check: PortCheck) => (check.to === 'peer' ? peer.address : check.to);
  const firstResults = await from.host.batch(
    checks.map((check) => factCalls.portOpen.call(target(check), check.anyOf[0])),
  );
  const open = firstResults.map((result) => factCalls.portOpen.read(result));
  const retry = checks.flatMap((check, i) =>
    open[i]
      ? []
      : check.anyOf.slice(1).map((port) => ({ i, call: factCalls.portOpen.call(target(check), port) })),
  );
  const retried = await from.host.batch(retry.map((r) => r.call));
  retried.forEach((result, k) => {
    if (factCalls.portOpen.read(result)) open[retry[k].i] = true;
  });
  for (const [i, check] of checks.entries()) {
    const to = target(check);
    if (!open[i])
      problems.push(
        `${from.host.label} → ${check.to === 'peer' ? peer.host.label : to} TCP ${check.anyOf.join(' or ')} (${check.purpose}) is closed`,
      );
  }
  return problems;
}
