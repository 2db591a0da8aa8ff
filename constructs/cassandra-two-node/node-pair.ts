/**
 * What the preflight and the cluster verification share: both nodes connected, their releases and
 * ports compared, and the problems reported all at once.
 */
import { problemList, StepFailure } from '../../src/errors';
import type { ActionContext } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { NodeTarget } from './actions';
import { portAnswers, ReleaseResult } from './facts';
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

/** Each node tests the other's ports itself: the path that matters is node to node, not runner to node. */
export async function portProblems(
  hosts: readonly [RemoteHost, RemoteHost],
  nodes: readonly [NodeTarget, NodeTarget],
  ports: CassandraPorts,
  skip: (to: number, which: 'internode' | 'client') => boolean,
  notes: string[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const [from, to] of [
    [0, 1],
    [1, 0],
  ] as const) {
    for (const which of ['internode', 'client'] as const) {
      const address = which === 'internode' ? nodes[to].listenAddress : nodes[to].clientAddress;
      const port = ports[which];
      if (skip(to, which)) {
        notes.push(`${nodes[from].name} → ${address}:${port} tested after configuration`);
        continue;
      }
      const answer = await portAnswers(hosts[from], address, port);
      if (!answer.ok) {
        problems.push(
          `${nodes[from].name} cannot reach ${nodes[to].name} at ${address}:${port} (${which === 'internode' ? 'internode' : 'CQL'}; tested on ${nodes[from].name}: ${answer.detail}): open tcp ${port} from ${nodes[from].name} to ${nodes[to].name} and make sure Cassandra listens there`,
        );
      }
    }
  }
  return problems;
}
