/**
 * Steps of one host run one after another, in an order fixed at synth: two constructs that edit
 * one file on a host (two NfsSharedDir with the same client, each adding its fstab line) must not
 * both read it before either writes it. The runner's host lock covers what synth cannot see (two
 * stacks, a runner run by hand); this order makes the plan say what will happen, and the same on
 * every run.
 *
 * Only edges the synth can see are safe to extend: Terraform also orders resources by the
 * references in their arguments, which this module does not see. So a step takes part only when
 * its spec holds no Token (no reference to another resource) and everything it runs after is a
 * step that takes part; among those, every dependency is known, and chaining each host's steps in
 * one topological order of that graph cannot make a cycle.
 */
import type { IConstruct } from 'constructs';
import {
  Aspects,
  dependable,
  IAspect,
  ITerraformDependable,
  TerraformResource,
  TerraformStack,
} from '../cdktf';

/** A step resource as the ordering sees it. */
export interface OrderNode {
  /** The host it runs on, or undefined when the step may not take part (a Token, a destroy step). */
  readonly host: string | undefined;
  /** Indexes of the nodes it runs after, or 'external' when it runs after anything else. */
  readonly after: readonly number[] | 'external';
}

/**
 * The dependencies to add, as [node, runs after node] pairs: each host's taking-part steps chained
 * in one topological order (ties broken by the order the nodes were made in), minus those already
 * implied.
 */
export function sameHostOrder(nodes: readonly OrderNode[]): Array<[number, number]> {
  const takesPart: boolean[] = nodes.map(() => false);
  const state: number[] = nodes.map(() => 0); // 0 unseen, 1 in progress, 2 done
  const decide = (start: number): void => {
    // Iterative depth-first search: a node takes part when it and everything before it may.
    const stack: Array<{ node: number; next: number }> = [{ node: start, next: 0 }];
    state[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const { host, after } = nodes[top.node];
      if (host === undefined || after === 'external') {
        state[top.node] = 2;
        stack.pop();
        continue;
      }
      if (top.next < after.length) {
        const dep = after[top.next++];
        if (state[dep] === 0) {
          state[dep] = 1;
          stack.push({ node: dep, next: 0 });
        }
        continue;
      }
      // A dependency still in progress is a cycle Terraform will report; such nodes stay out.
      takesPart[top.node] = after.every((dep) => state[dep] === 2 && takesPart[dep]);
      state[top.node] = 2;
      stack.pop();
    }
  };
  nodes.forEach((_, i) => state[i] === 0 && decide(i));

  // Kahn's algorithm over the nodes that take part, lowest index first.
  const waitingOn = nodes.map((n, i) => (takesPart[i] ? (n.after as number[]).length : -1));
  const followers: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => takesPart[i] && (n.after as number[]).forEach((dep) => followers[dep].push(i)));
  const ready = waitingOn.flatMap((count, i) => (count === 0 ? [i] : []));
  const lastOnHost = new Map<string, number>();
  const added: Array<[number, number]> = [];
  const before = nodes.map((n) => (n.after === 'external' ? [] : [...n.after]));
  /** Whether `from` already runs after `to`, directly or through other steps. */
  const runsAfter = (from: number, to: number): boolean => {
    const seen = new Set<number>();
    const stack = [from];
    while (stack.length > 0) {
      for (const dep of before[stack.pop()!]) {
        if (dep === to) return true;
        if (seen.has(dep)) continue;
        seen.add(dep);
        stack.push(dep);
      }
    }
    return false;
  };
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const node = ready.shift()!;
    const host = nodes[node].host!;
    const previous = lastOnHost.get(host);
    if (previous !== undefined && !runsAfter(node, previous)) {
      added.push([node, previous]);
      before[node].push(previous);
    }
    lastOnHost.set(host, node);
    for (const follower of followers[node]) if (--waitingOn[follower] === 0) ready.push(follower);
  }
  return added;
}

interface Recorded {
  readonly resource: TerraformResource;
  readonly host: string | undefined;
  readonly after: ITerraformDependable[];
}

class HostOrder implements IAspect {
  readonly records: Recorded[] = [];
  /** Each record by its resource, for the dependencies added later. */
  readonly byResource = new Map<TerraformResource, Recorded>();
  private done = false;

  constructor(private readonly stack: TerraformStack) {}

  visit(node: IConstruct): void {
    if (node !== this.stack || this.done) return;
    this.done = true;
    const index = new Map<ITerraformDependable, number>(this.records.map((r, i) => [r.resource, i]));
    const nodes: OrderNode[] = this.records.map((r) => {
      const after = r.after.map((d) => index.get(d));
      // Something synth cannot see: a dependency that is no step, or one added to dependsOn directly.
      const external =
        after.some((i) => i === undefined) || (r.resource.dependsOn?.length ?? 0) !== r.after.length;
      return { host: r.host, after: external ? 'external' : (after as number[]) };
    });
    for (const [later, earlier] of sameHostOrder(nodes)) {
      const resource = this.records[later].resource;
      resource.dependsOn = [...(resource.dependsOn ?? []), dependable(this.records[earlier].resource)];
    }
  }
}

const orders = new WeakMap<TerraformStack, HostOrder>();

/**
 * Records a step resource for its stack's same-host order. `host` is the host's identity (its
 * address and port), undefined when the step may not take part; `after` what it already runs
 * after. Call `recordDependency` for every dependency added later.
 */
export function recordStep(
  resource: TerraformResource,
  host: string | undefined,
  after: readonly ITerraformDependable[],
): void {
  const stack = TerraformStack.of(resource);
  let order = orders.get(stack);
  if (!order) {
    order = new HostOrder(stack);
    orders.set(stack, order);
    Aspects.of(stack).add(order);
  }
  const record: Recorded = { resource, host, after: [...after] };
  order.records.push(record);
  order.byResource.set(resource, record);
}

/** Records that a step resource now also runs after `dependency`. */
export function recordDependency(resource: TerraformResource, dependency: ITerraformDependable): void {
  const record = orders.get(TerraformStack.of(resource))?.byResource.get(resource);
  record?.after.push(dependency);
}
