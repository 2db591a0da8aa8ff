/**
 * Validation at the door, whatever the input: one problem per wrong value (not one per character
 * of a string where an object belongs), messages of bounded size built in linear time, and shapes
 * zod cannot walk (cycles, deep nesting, huge lists) refused as problems, never thrown as
 * RangeError or TypeError.
 */
import fc from 'fast-check';
import type { IConstruct } from 'constructs';
import { z } from 'zod';
import { FaultTolerantAggregator } from '../../constructs/fault-tolerant-aggregator';
import { faultTolerantAggregatorSchema } from '../../constructs/fault-tolerant-aggregator/props';
import { validProps } from '../../constructs/fault-tolerant-aggregator/test-props';
import { TerraformStack, Testing } from '../../src/cdktf';
import { formatProblems, renderReceived, ValidationError, ValidationProblem } from '../../src/errors';
import { hostStepsSchema } from '../../src/host-steps';
import { MAX_DEPTH, MAX_ITEMS, MAX_STRING_LENGTH } from '../../src/input-limits';
import { SshCredentials } from '../../src/schema/host';
import { parseProps } from '../../src/validate';

const scope = { node: { path: 'S/Construct' } } as IConstruct;
const MiB = 1024 * 1024;

/** The ValidationError parseProps throws; anything else thrown fails the test. */
function refusal(schema: z.ZodType<unknown>, props: unknown): ValidationError {
  try {
    parseProps(scope, schema, props);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the props were accepted');
}

const ftaWithKeys = (keys: unknown) => {
  const props = validProps();
  return {
    ...props,
    aggregators: { ...props.aggregators, installer: { ...props.aggregators.installer, keys } },
  };
};

describe('a value of the wrong type is one problem, at any size', () => {
  it('a 1 MiB string where installer.keys expects an object: one problem, the value cut short', () => {
    const error = refusal(
      faultTolerantAggregatorSchema as z.ZodType<unknown>,
      ftaWithKeys('ab'.repeat(MiB / 2)),
    );
    expect(error.problems).toEqual([
      expect.objectContaining({ constructPath: 'S/Construct', propertyPath: 'aggregators.installer.keys' }),
    ]);
    expect(error.problems[0].received).toBe(`a string of ${MiB} characters`);
    expect(error.problems[0].expected).toContain(`at most ${MAX_STRING_LENGTH} characters`);
    expect(error.message.length).toBeLessThan(1000);
  });

  it('a string within the bounds where installer.keys expects an object: one problem saying what is expected', () => {
    const error = refusal(
      faultTolerantAggregatorSchema as z.ZodType<unknown>,
      ftaWithKeys('abcdefghij'.repeat(MAX_STRING_LENGTH / 10)),
    );
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({
      propertyPath: 'aggregators.installer.keys',
      expected: expect.stringContaining('expected the names of the properties this construct fills in'),
    });
    expect(error.problems[0].received).toMatch(/^"abcdefghij.*\.\.\.$/);
    expect(error.problems[0].received.length).toBeLessThanOrEqual(120);
  });

  it('a string where the properties record belongs: one problem', () => {
    const props = validProps();
    const error = refusal(faultTolerantAggregatorSchema as z.ZodType<unknown>, {
      ...props,
      aggregators: {
        ...props.aggregators,
        installer: { ...props.aggregators.installer, properties: 'DB_PASSWORD' },
      },
    });
    expect(error.problems.map((p) => p.propertyPath)).toEqual(['aggregators.installer.properties']);
  });

  it('a string in place of each object of the props, at every depth, through a synth: one problem each time', () => {
    const props = validProps() as unknown as Record<string, unknown>;
    const paths: string[][] = [];
    const collect = (value: unknown, path: string[]) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
      if (path.length > 0) paths.push(path);
      for (const [key, child] of Object.entries(value)) collect(child, [...path, key]);
    };
    collect(props, []);
    expect(paths.length).toBeGreaterThan(20);
    for (const path of paths) {
      const copy = structuredClone(props);
      let parent = copy;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
      parent[path[path.length - 1]] = 'x'.repeat(5000);
      const app = Testing.app();
      new FaultTolerantAggregator(new TerraformStack(app, 'S'), 'NetOps', copy as never);
      let problems: readonly ValidationProblem[] = [];
      try {
        app.synth();
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        problems = error.problems;
      }
      expect({ path: path.join('.'), problems: problems.length }).toEqual({
        path: path.join('.'),
        problems: 1,
      });
    }
  });
});

describe('shapes zod cannot walk are refused as problems', () => {
  const host = {
    address: '10.0.0.1',
    user: 'deploy',
    hostKeySha256: `SHA256:${'k'.repeat(43)}`,
    credentials: SshCredentials.agent(),
  };
  const steps = (h: unknown, actions: unknown = [{ kind: 'file', path: '/x', content: 'x' }]) => ({
    steps: [{ id: 'one', description: 'x', host: h, actions }],
  });

  it('a host that is its own bastion', () => {
    const looped: Record<string, unknown> = { ...host };
    looped.bastion = looped;
    expect(refusal(hostStepsSchema, steps(looped)).problems).toEqual([
      expect.objectContaining({
        propertyPath: 'steps[0].host.bastion',
        received: 'an object that contains itself',
      }),
    ]);
  });

  it('bastions nested 20,000 deep', () => {
    let deep: Record<string, unknown> = { ...host };
    for (let i = 0; i < 20_000; i++) deep = { ...host, bastion: deep };
    const error = refusal(hostStepsSchema, steps(deep));
    expect(error.problems).toEqual([
      expect.objectContaining({ received: `a value nested more than ${MAX_DEPTH} levels deep` }),
    ]);
  });

  it('200,000 actions of the wrong type', () => {
    const error = refusal(hostStepsSchema, steps(host, new Array(200_000).fill(5)));
    expect(error.problems).toEqual([
      expect.objectContaining({
        propertyPath: 'steps[0].actions',
        received: 'a list of 200000 items',
        expected: `expected at most ${MAX_ITEMS} items`,
      }),
    ]);
  });

  it('9,000 actions of the wrong type: every one named, the message capped', () => {
    const error = refusal(hostStepsSchema, steps(host, new Array(9_000).fill(5)));
    expect(error.problems).toHaveLength(9_000);
    expect(error.message).toContain('... and 8900 more (ValidationError.problems lists every one)');
    expect(error.message.split('\n').length).toBeLessThan(110);
  });
});

describe('messages', () => {
  it('a received value is JSON, cut at 120 characters', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        const json = JSON.stringify(value);
        expect(renderReceived(value)).toBe(json.length > 120 ? `${json.slice(0, 117)}...` : json);
      }),
      { numRuns: 2_000, seed: 42 },
    );
    expect(renderReceived({ a: undefined, b: [undefined, () => 1], c: new Date(0) })).toBe(
      '{"b":[null,null],"c":"1970-01-01T00:00:00.000Z"}',
    );
    const looped: Record<string, unknown> = {};
    looped.self = looped;
    expect(renderReceived(looped)).toBe('[object Object]');
  });

  it('formatting 100,000 problems of a 1 MiB value each is linear: it finishes, with the value shown short', () => {
    const huge = 'x'.repeat(MiB);
    const problems: ValidationProblem[] = Array.from({ length: 100_000 }, (_, i) => ({
      constructPath: `S/C${i % 3}`,
      propertyPath: `list[${i}]`,
      received: renderReceived(huge),
      expected: 'expected something else',
    }));
    const message = formatProblems(problems);
    expect(message.split('\n')[0]).toBe('Invalid configuration (100000 problems):');
    expect(message.length).toBeLessThan(30_000);
  });
});
