/**
 * CassandraTwoNode's preflight as a part of a composite construct whose two hosts each run a
 * Cassandra that listens on the host's own address (DataMiner's per-agent Cassandra): the
 * composite has no `listenAddress` of its own, so this part's rules are phrased on the hosts, and
 * the composite reports them on its own props.
 */
import { isIpv4, isIpv6 } from '../../src/schema/common';
import { HostConfig, hostLabel } from '../../src/schema/host';
import { isToken } from '../../src/schema/token';
import { PREFLIGHT_KIND, PreflightAction } from './actions';
import { planCassandraTwoNodeSteps } from './plan';
import { CassandraPlatform, cassandraTwoNodeSchema } from './props';

export interface CassandraPreflightPartProps {
  /** The two hosts, each already validated by the composite. */
  readonly hosts: readonly [HostConfig, HostConfig];
  readonly platform: CassandraPlatform;
  /** Internode traffic over TLS (port 7001 instead of 7000). */
  readonly internodeTls: boolean;
}

/** A problem of the part, on one of its hosts (`node` 0 or 1) or on the part as a whole. */
export interface CassandraPartProblem {
  readonly node?: 0 | 1;
  /** The property of the host, e.g. `["address"]`; empty for the part as a whole. */
  readonly hostPath: readonly PropertyKey[];
  readonly input: unknown;
  readonly message: string;
}

const isIp = (address: string) => isIpv4(address) || isIpv6(address);

/**
 * Every reason the part cannot be planned on these hosts, as problems of the hosts; none when
 * `cassandraPreflightPart` will plan it.
 */
export function cassandraPreflightPartProblems(props: CassandraPreflightPartProps): CassandraPartProblem[] {
  // The hosts' addresses are the listen addresses: said here in those terms, before the schema,
  // whose own messages would ask for a listenAddress the composite does not have.
  const problems: CassandraPartProblem[] = [];
  props.hosts.forEach((host, node) => {
    if (!isToken(host.address) && !isIp(host.address))
      problems.push({
        node: node as 0 | 1,
        hostPath: ['address'],
        input: host.address,
        message: `${hostLabel(host)}'s Cassandra listens on this address, and cassandra.yaml takes an IP address there, not a DNS name: give the host's IP address (such as 10.0.0.12)`,
      });
  });
  const [a, b] = props.hosts.map((h) => h.address);
  if (a === b && !isToken(a))
    problems.push({
      node: 1,
      hostPath: ['address'],
      input: b,
      message: 'both Cassandra nodes would listen on the same address; expected a different IP for each host',
    });
  if (problems.length > 0) return problems;
  const result = cassandraTwoNodeSchema.safeParse(partProps(props));
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const [nodes, node, host, ...hostPath] = issue.path;
    return nodes === 'nodes' && (node === 0 || node === 1) && host === 'host'
      ? { node, hostPath, input: 'input' in issue ? issue.input : undefined, message: issue.message }
      : { hostPath: [], input: undefined, message: issue.message };
  });
}

function partProps(props: CassandraPreflightPartProps) {
  return {
    nodes: props.hosts.map((host) => ({ host })),
    platform: props.platform,
    mode: 'preflight' as const,
    tls: { internode: props.internodeTls },
  };
}

/** The part's preflight action, to embed in the composite's own preflight. */
export function cassandraPreflightPart(props: CassandraPreflightPartProps): PreflightAction {
  const problems = cassandraPreflightPartProblems(props);
  // The composite's schema refuses these at synth; reaching here with one is a bug in the composite.
  if (problems.length > 0)
    throw new Error(
      `Cassandra part planned on hosts it refuses: ${problems.map((p) => p.message).join('; ')}`,
    );
  const config = cassandraTwoNodeSchema.parse(partProps(props));
  const actions = planCassandraTwoNodeSteps(config).flatMap((step) => step.actions);
  return actions.find((action) => action.kind === PREFLIGHT_KIND) as PreflightAction;
}
