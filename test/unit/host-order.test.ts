/**
 * Steps of one host in one order at synth: each host's steps chained in a topological order of
 * the dependencies the synth can see, never making a cycle, leaving out steps that run after
 * anything it cannot see.
 */
import fc from 'fast-check';
import { OrderNode, sameHostOrder } from '../../src/engine/host-order';
import { TerraformStack, Testing } from '../../src/cdktf';
import { NfsSharedDir, NfsSharedDirProps } from '../../index';
import { ENGINE_CONTEXT_KEY } from '../../src/engine/step-resources';
import { fuzzSeed } from '../support/fuzz-seed';
import { synthHost } from '../support/synth-hosts';

/** Every node's dependencies after the additions; throws on a cycle. */
function closure(nodes: readonly OrderNode[], added: Array<[number, number]>): Set<number>[] {
  const after = nodes.map((n) => new Set(n.after === 'external' ? [] : n.after));
  for (const [later, earlier] of added) after[later].add(earlier);
  const memo: (Set<number> | undefined)[] = [];
  const visiting = new Set<number>();
  const reach = (i: number): Set<number> => {
    if (memo[i]) return memo[i]!;
    if (visiting.has(i)) throw new Error(`cycle through node ${i}`);
    visiting.add(i);
    const all = new Set<number>();
    for (const d of after[i]) {
      all.add(d);
      for (const x of reach(d)) all.add(x);
    }
    visiting.delete(i);
    return (memo[i] = all);
  };
  return nodes.map((_, i) => reach(i));
}

describe('sameHostOrder', () => {
  it('chains unrelated steps of one host in the order they were made', () => {
    const nodes: OrderNode[] = [
      { host: 'a', after: [] },
      { host: 'b', after: [] },
      { host: 'a', after: [] },
      { host: 'a', after: [] },
    ];
    expect(sameHostOrder(nodes)).toEqual([
      [2, 0],
      [3, 2],
    ]);
  });

  it('follows the dependencies there are: a step made first but run after another is not put before it', () => {
    const nodes: OrderNode[] = [
      { host: 'a', after: [1] },
      { host: 'b', after: [2] },
      { host: 'a', after: [] },
    ];
    expect(sameHostOrder(nodes)).toEqual([]);
  });

  it('adds nothing that is already there', () => {
    expect(
      sameHostOrder([
        { host: 'a', after: [] },
        { host: 'a', after: [0] },
      ]),
    ).toEqual([]);
  });

  it('leaves out steps that run after something it cannot see, and everything after them', () => {
    const nodes: OrderNode[] = [
      { host: 'a', after: [] },
      { host: 'a', after: 'external' },
      { host: 'a', after: [1] },
      { host: undefined, after: [] },
      { host: 'a', after: [3] },
      { host: 'a', after: [] },
    ];
    expect(sameHostOrder(nodes)).toEqual([[5, 0]]);
  });

  it('never makes a cycle and orders every host’s taking-part steps totally', () => {
    const graph = fc
      .array(
        fc.record({
          host: fc.constantFrom('a', 'b', 'c', undefined),
          external: fc.nat(4).map((n) => n === 0),
          deps: fc.array(fc.nat(30), { maxLength: 3 }),
        }),
        { minLength: 1, maxLength: 30 },
      )
      .map((raw) =>
        // Dependencies only on earlier nodes: the input is acyclic, as a valid stack is.
        raw.map((r, i): OrderNode => ({
          host: r.host,
          after: r.external ? 'external' : [...new Set(r.deps.filter((d) => d < i))],
        })),
      );
    fc.assert(
      fc.property(graph, (nodes) => {
        const added = sameHostOrder(nodes);
        const reach = closure(nodes, added);
        // Taking part, decided here on its own: a host, and only taking-part steps before it.
        const takesPart: boolean[] = [];
        nodes.forEach((n, i) => {
          takesPart[i] = n.host !== undefined && n.after !== 'external' && n.after.every((d) => takesPart[d]);
        });
        for (const [later, earlier] of added)
          expect([takesPart[later], takesPart[earlier]]).toEqual([true, true]);
        const byHost = new Map<string, number[]>();
        nodes.forEach((n, i) => {
          if (takesPart[i]) byHost.set(n.host!, [...(byHost.get(n.host!) ?? []), i]);
        });
        for (const members of byHost.values())
          for (const x of members)
            for (const y of members) if (x !== y) expect(reach[x].has(y) || reach[y].has(x)).toBe(true);
      }),
      { seed: fuzzSeed('sameHostOrder'), numRuns: 500 },
    );
  });
});

describe('two NfsSharedDir with one client', () => {
  const host = synthHost;
  const share = (n: number): NfsSharedDirProps => ({
    serverHost: host('nfs', '10.0.0.10'),
    exportPath: `/srv/share${n}`,
    mountPath: `/mnt/share${n}`,
    clients: [host('da1', '10.0.0.11')],
    owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
  });

  it("run the client's steps one construct after the other: no two fstab edits at once", () => {
    const app = Testing.app({ context: { [ENGINE_CONTEXT_KEY]: 'terraform_data' } });
    const stack = new TerraformStack(app, 'test');
    new NfsSharedDir(stack, 'First', share(1));
    new NfsSharedDir(stack, 'Second', share(2));
    const resources = JSON.parse(Testing.synth(stack)).resource.terraform_data as Record<
      string,
      { depends_on?: string[]; triggers_replace: { spec: string } }
    >;
    const onClient = (prefix: string) =>
      Object.entries(resources)
        .filter(
          ([name, r]) =>
            name.startsWith(prefix) && JSON.parse(r.triggers_replace.spec).host.address === '10.0.0.11',
        )
        .map(([name]) => `terraform_data.${name}`);
    const first = onClient('First_');
    const second = onClient('Second_');
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    // Some step of the second runs after a step of the first, on the client.
    const after = (name: string) => resources[name.replace('terraform_data.', '')].depends_on ?? [];
    expect(second.some((s) => after(s).some((d) => first.includes(d)))).toBe(true);
  });
});
