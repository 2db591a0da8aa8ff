/**
 * What the preflight and the cluster verification share: both nodes connected, their releases and
 * ports compared, and the problems reported all at once.
 */
import { problemList, StepFailure } from '../../src/errors';
import type { ActionContext } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { NodeTarget } from './actions';
import { gatherFacts } from '../../src/frame/fact';
import { portFact, ReleaseResult } from './facts';
import { NodeRelease, releaseProblem } from './parse';
import type { CassandraPorts } from './props';

export function failWith(what: string, problems: readonly string[], closing: string): never {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new StepFailure(problemList(`${what} found ${count}; ${closing}`, problems));
}

export async function connectBoth(
  context: ActionContext,
  nodes: readonly [NodeTarget, NodeTarget],
): Promise<[RemoteHost, RemoteHost]> {
  return [await context.connect(nodes[0].host), await context.connect(nodes[1].host)];
}

export function checkReleases(
  nodes: readonly [NodeTarget, NodeTarget],
  results: readonly ReleaseResult[],
  expected: string | undefined,
  problems: string[],
): void {
  const known: NodeRelease[] = [];
  results.forEach((r, i) => {
    if ('release' in r) known.push({ node: nodes[i].name, release: r.release });
  });
  if (known.length === 2) {
    const problem = releaseProblem([known[0], known[1]], expected);
    if (problem) problems.push(problem);
  } else if (known.length === 1 && expected !== undefined && known[0].release !== expected) {
    problems.push(
      `expectedReleaseVersion is ${expected}, but ${known[0].node} runs ${known[0].release}: update it first.`,
    );
  }
}

type PortKind = 'internode' | 'client';

/** One port test: from which node, to which, on which of its ports. */
interface PortTest {
  readonly from: 0 | 1;
  readonly to: 0 | 1;
  readonly which: PortKind;
  readonly address: string;
  readonly port: number;
}

/**
 * Each node tests the other's ports itself: the path that matters is node to node, not runner to
 * node. A node's tests travel in one round trip; both nodes test at once.
 */
export async function portProblems(
  hosts: readonly [RemoteHost, RemoteHost],
  nodes: readonly [NodeTarget, NodeTarget],
  ports: CassandraPorts,
  skip: (to: number, which: PortKind) => boolean,
  notes: string[],
): Promise<string[]> {
  const tests: PortTest[] = [];
  for (const [from, to] of [
    [0, 1],
    [1, 0],
  ] as const) {
    for (const which of ['internode', 'client'] as const) {
      const address = which === 'internode' ? nodes[to].listenAddress : nodes[to].clientAddress;
      const port = ports[which];
      if (skip(to, which)) notes.push(`${nodes[from].name} → ${address}:${port} tested after configuration`);
      else tests.push({ from, to, which, address, port });
    }
  }
  const answers = await Promise.all(
    ([0, 1] as const).map(async (from) => {
      const mine = tests.filter((t) => t.from === from);
      const { ports: seen } = await gatherFacts(hosts[from], {
        ports: mine.map((t) => portFact(t.address, t.port)),
      });
      return new Map(mine.map((t, i) => [t, seen[i]]));
    }),
  );
  const problems: string[] = [];
  for (const test of tests) {
    const answer = answers[test.from].get(test)!;
    if (answer.ok) continue;
    const { from, to, which, address, port } = test;
    problems.push(
      `${nodes[from].name} cannot reach ${nodes[to].name} at ${address}:${port} (${which === 'internode' ? 'internode' : 'CQL'}; tested on ${nodes[from].name}: ${answer.detail}): open tcp ${port} from ${nodes[from].name} to ${nodes[to].name} and make sure Cassandra listens there`,
    );
  }
  return problems;
}
