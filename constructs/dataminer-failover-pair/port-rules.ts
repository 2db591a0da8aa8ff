/**
 * The agents' port paths, decided: from each agent to the other (or to the storage), a check is
 * open when any of its ports answered. Ping between the agents is not checked: heartbeats "to an
 * IP" are the user's choice, not a prerequisite. Pure.
 */
import type { PortCheck } from './actions';

/** The checks that apply: the NATS account server is skipped when either agent runs BrokerGateway. */
export function applicableChecks(checks: readonly PortCheck[], brokerGateway: boolean): PortCheck[] {
  return checks.filter((check) => !(check.unlessBrokerGateway && brokerGateway));
}

/** Where a check goes from one agent: its own address, or the other agent's. */
export const checkTarget = (check: PortCheck, peerAddress: string) =>
  check.to === 'peer' ? peerAddress : check.to;

/** One problem per check none of whose ports answered from `from`. */
export function closedPortProblems(
  from: { label: string },
  peer: { label: string; address: string },
  checks: readonly PortCheck[],
  open: readonly boolean[],
): string[] {
  return checks.flatMap((check, i) =>
    open[i]
      ? []
      : [
          `${from.label} → ${check.to === 'peer' ? peer.label : checkTarget(check, peer.address)} TCP ${check.anyOf.join(' or ')} (${check.purpose}) is closed`,
        ],
  );
}
