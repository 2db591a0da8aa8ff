import type { IConstruct } from 'constructs';
import type { z } from 'zod';
import { renderReceived, ValidationError, ValidationProblem } from './errors';

/** `clients[1].hostKeySha256` from zod's `['clients', 1, 'hostKeySha256']`. */
export function formatPropertyPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Turns zod issues into problems that name the construct, the property, the value and the fix. */
export function problemsFromZod(
  constructPath: string,
  props: unknown,
  error: z.ZodError,
): ValidationProblem[] {
  return error.issues.map((issue) => {
    const received = 'input' in issue ? issue.input : valueAt(props, issue.path);
    return {
      constructPath,
      propertyPath: formatPropertyPath(issue.path),
      received: renderReceived(received ?? valueAt(props, issue.path)),
      expected: issue.message,
    };
  });
}

/**
 * Validates a construct's props at the door: returns the typed configuration or throws one
 * ValidationError listing every problem.
 */
export function parseProps<Out>(scope: IConstruct, schema: z.ZodType<Out>, props: unknown): Out {
  const result = schema.safeParse(props, { reportInput: true });
  if (result.success) return result.data;
  throw new ValidationError(problemsFromZod(scope.node.path, props, result.error));
}
