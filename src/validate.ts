import type { IConstruct } from 'constructs';
import type { z } from 'zod';
import {
  CONCEALED_INPUT,
  renderConcealed,
  renderReceived,
  ValidationError,
  ValidationProblem,
} from './errors';
import { inputLimitProblems } from './input-limits';
import { isWrongShape, pathKey, pathKeysFromRoot } from './schema/common';
import { formatPropertyPath } from './property-path';

export { formatPropertyPath };

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The longest `expected` text kept (zod lists every unrecognized key in one message). */
const EXPECTED_LIMIT = 2000;

/**
 * Drops every issue at or below a path whose value already has the wrong shape: a string where an
 * object belongs is one problem, not one per character that a rule looking inside it tripped on.
 */
export function withoutConsequences(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const firstWrongShape = new Map<string, number>();
  issues.forEach((issue, i) => {
    const key = pathKey(issue.path);
    if (isWrongShape(issue) && !firstWrongShape.has(key)) firstWrongShape.set(key, i);
  });
  if (firstWrongShape.size === 0) return [...issues];
  return issues.filter((issue, i) =>
    pathKeysFromRoot(issue.path).every((key) => (firstWrongShape.get(key) ?? i) === i),
  );
}

function isConcealed(issue: z.core.$ZodIssue): boolean {
  const params = (issue as { params?: Record<string, unknown> }).params;
  return issue.code === 'custom' && params?.concealInput === CONCEALED_INPUT.concealInput;
}

/** Turns zod issues into problems that name the construct, the property, the value and the fix. */
export function problemsFromZod(
  constructPath: string,
  props: unknown,
  error: z.ZodError,
): ValidationProblem[] {
  return withoutConsequences(error.issues).map((issue) => {
    const input = 'input' in issue ? issue.input : undefined;
    const received = input ?? valueAt(props, issue.path);
    const expected = issue.message;
    return {
      constructPath,
      propertyPath: formatPropertyPath(issue.path),
      received: isConcealed(issue) ? renderConcealed(received) : renderReceived(received),
      expected: expected.length > EXPECTED_LIMIT ? `${expected.slice(0, EXPECTED_LIMIT - 3)}...` : expected,
    };
  });
}

export type PropsResult<Out> =
  | { readonly success: true; readonly data: Out }
  | { readonly success: false; readonly problems: ValidationProblem[] };

/**
 * Validates a construct's props: the typed configuration, or every problem. Props beyond the
 * bounds of input-limits.ts are refused on those bounds alone: the schema is not run on them.
 */
export function validateProps<Out>(
  constructPath: string,
  schema: z.ZodType<Out>,
  props: unknown,
): PropsResult<Out> {
  const limits = inputLimitProblems(constructPath, props);
  if (limits.length > 0) return { success: false, problems: limits };
  let result: z.ZodSafeParseResult<Out>;
  try {
    result = schema.safeParse(props, { reportInput: true });
  } catch (error) {
    // A stack overflow inside zod (a construct's own object that refers to itself, say) is the
    // props' shape, not a bug: it is reported as a problem like any other.
    if (!(error instanceof RangeError)) throw error;
    return {
      success: false,
      problems: [
        {
          constructPath,
          propertyPath: '',
          received: 'props that could not be checked',
          expected: `expected plain data without cycles (checking them failed: ${error.message})`,
        },
      ],
    };
  }
  if (result.success) return { success: true, data: result.data };
  return { success: false, problems: problemsFromZod(constructPath, props, result.error) };
}

/**
 * Validates a construct's props at the door: returns the typed configuration or throws one
 * ValidationError listing every problem.
 */
export function parseProps<Out>(scope: IConstruct, schema: z.ZodType<Out>, props: unknown): Out {
  const result = validateProps(scope.node.path, schema, props);
  if (result.success) return result.data;
  throw new ValidationError(result.problems);
}
