/**
 * Bounds on the size and shape of props, checked before any schema runs. zod walks a value
 * recursively and gathers issues with `push(...issues)`: props nested thousands of levels deep,
 * holding a cycle, or with a hundred thousand wrong items throw a RangeError from inside zod, and
 * megabyte strings make every later check and message slow. No real configuration comes near
 * these bounds.
 */
import type { ValidationProblem } from './errors';
import { formatPropertyPath } from './property-path';

/**
 * The longest string any prop may hold. Every prop travels to its hosts inside a step spec, which
 * the runner receives in one environment variable (Linux caps one at 128 KiB), so a longer string
 * could never reach a host.
 */
export const MAX_STRING_LENGTH = 128 * 1024;
/** The longest key of an object in props: keys are names, and appear in messages. */
export const MAX_KEY_LENGTH = 1024;
/** The most items of one list, or keys of one object. */
export const MAX_ITEMS = 10_000;
/** The deepest nesting (a host's bastion's bastion is three levels below the host). */
export const MAX_DEPTH = 64;
/** The most values in one construct's props, all levels together. */
export const MAX_VALUES = 20_000;
/** After this many, the rest are not looked for: fixing these comes first. */
const MAX_PROBLEMS = 20;

const STRING_FIX = `expected at most ${MAX_STRING_LENGTH} characters: every prop reaches its hosts inside a step spec, which the runner receives in one environment variable (128 KiB); keep large files out of props (a file action's content, a property) and copy them to the host another way`;

/** Only plain data is walked; a construct or a Token object is a leaf that its schema judges. */
function isPlainData(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

type Frame = { value: unknown; path: PropertyKey[]; depth: number } | { leave: object };

/**
 * Problems with the size or shape of `props`, before any schema sees them: empty when the props
 * are within every bound. Iterative, so that no nesting overflows the stack here either.
 */
export function inputLimitProblems(constructPath: string, props: unknown): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const problem = (path: PropertyKey[], received: string, expected: string) =>
    problems.push({ constructPath, propertyPath: formatPropertyPath(path), received, expected });
  const ancestors = new Set<object>();
  const stack: Frame[] = [{ value: props, path: [], depth: 0 }];
  let values = 0;
  let tooDeep = false;
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const frame = stack.pop()!;
    if ('leave' in frame) {
      ancestors.delete(frame.leave);
      continue;
    }
    const { value, path, depth } = frame;
    if (++values > MAX_VALUES) {
      problem(
        [],
        `props of more than ${MAX_VALUES} values`,
        `expected props of at most ${MAX_VALUES} values (lists and objects included)`,
      );
      break;
    }
    if (typeof value === 'string') {
      if (value.length > MAX_STRING_LENGTH)
        problem(path, `a string of ${value.length} characters`, STRING_FIX);
      continue;
    }
    if (!isPlainData(value)) continue;
    if (ancestors.has(value)) {
      problem(
        path,
        'an object that contains itself',
        'expected plain data without cycles: this value is one of the objects that contain it',
      );
      continue;
    }
    if (depth >= MAX_DEPTH) {
      // Once: a structure too deep is usually too deep along every branch.
      if (tooDeep) continue;
      tooDeep = true;
      problem(
        path,
        `a value nested more than ${MAX_DEPTH} levels deep`,
        `expected props nested at most ${MAX_DEPTH} levels deep`,
      );
      continue;
    }
    const keys = Array.isArray(value) ? undefined : Object.keys(value);
    const count = keys ? keys.length : (value as unknown[]).length;
    if (count > MAX_ITEMS) {
      problem(
        path,
        keys ? `an object with ${count} keys` : `a list of ${count} items`,
        `expected at most ${MAX_ITEMS} ${keys ? 'keys' : 'items'}`,
      );
      continue;
    }
    const longKey = keys?.find((key) => key.length > MAX_KEY_LENGTH);
    if (longKey !== undefined) {
      problem(
        path,
        `an object with a key of ${longKey.length} characters`,
        `expected keys of at most ${MAX_KEY_LENGTH} characters`,
      );
      continue;
    }
    ancestors.add(value);
    stack.push({ leave: value });
    // Pushed in reverse, so problems come out in the order of the props.
    for (let i = count - 1; i >= 0; i--) {
      const key: PropertyKey = keys ? keys[i] : i;
      stack.push({
        value: (value as Record<PropertyKey, unknown>)[key],
        path: [...path, key],
        depth: depth + 1,
      });
    }
  }
  return problems;
}
