/** The agents' port checks: from each agent to the other (or to the storage), any listed port answering. */
import type { RemoteHost } from '../../src/runner/remote-host';
import type { PortCheck } from './actions';
import { readAnswersAt, readPortOpen } from './facts';

export interface Agent {
  readonly host: RemoteHost;
  readonly address: string;
}

/** One problem per closed path; ICMP between the agents too (heartbeats are pings). */
export async function agentPortProblems(
  primary: Agent,
  backup: Agent,
  checks: readonly PortCheck[],
): Promise<string[]> {
  const sides: [Agent, Agent][] = [
    [primary, backup],
    [backup, primary],
  ];
  // Each side probes from its own agent, side by side.
  const results = await Promise.all(sides.map(([from, peer]) => sideProblems(from, peer, checks)));
  return results.flat();
}

async function sideProblems(from: Agent, peer: Agent, checks: readonly PortCheck[]): Promise<string[]> {
  const problems: string[] = [];
  const ping = await readAnswersAt(from.host, peer.address);
  if (!ping.answered || ping.how !== 'icmp')
    problems.push(
      `${from.host.label} gets no ping answer from ${peer.host.label} (${peer.address}): ICMP must pass (heartbeats are pings)`,
    );
  for (const check of checks) {
    const to = check.to === 'peer' ? peer.address : check.to;
    let open = false;
    for (const port of check.anyOf) if (!open && (await readPortOpen(from.host, to, port))) open = true;
    if (!open)
      problems.push(
        `${from.host.label} → ${check.to === 'peer' ? peer.host.label : to} TCP ${check.anyOf.join(' or ')} (${check.purpose}) is closed`,
      );
  }
  return problems;
}
