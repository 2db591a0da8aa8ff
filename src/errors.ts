/** One problem with a construct's props: where, what was received, and what would be accepted. */
export interface ValidationProblem {
  /** Path of the construct in the tree, e.g. `Stack/SharedDir`. */
  readonly constructPath: string;
  /** Property path inside the props, e.g. `clients[1].hostKeySha256`. */
  readonly propertyPath: string;
  /** The value received (already rendered for display). */
  readonly received: string;
  /** What would be accepted, phrased as the fix. */
  readonly expected: string;
}

/**
 * Thrown by a construct's constructor when its props are invalid. It lists every problem at once,
 * so a user fixes their stack in one pass instead of one error per synth.
 */
export class ValidationError extends Error {
  public readonly problems: readonly ValidationProblem[];

  constructor(problems: readonly ValidationProblem[]) {
    super(formatProblems(problems));
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/** Problems listed in a ValidationError's message; `problems` holds every one. */
export const MAX_LISTED_PROBLEMS = 100;

export function formatProblems(problems: readonly ValidationProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  // One push per problem: a copy of the list per problem made formatting quadratic.
  const byConstruct = new Map<string, ValidationProblem[]>();
  for (const p of listed) {
    const list = byConstruct.get(p.constructPath);
    if (list) list.push(p);
    else byConstruct.set(p.constructPath, [p]);
  }
  const lines = [`Invalid configuration (${count}):`];
  for (const [constructPath, list] of byConstruct) {
    lines.push(`  ${constructPath}:`);
    for (const p of list) {
      lines.push(`    - ${p.propertyPath || '(props)'}: received ${p.received}; ${p.expected}`);
    }
  }
  const unlisted = problems.length - listed.length;
  if (unlisted > 0) lines.push(`  ... and ${unlisted} more (ValidationError.problems lists every one)`);
  return lines.join('\n');
}

/** How much of a received value a message shows. */
const RECEIVED_LIMIT = 120;

/** Renders a received value for an error message: short, single line, never undefined-looking. */
export function renderReceived(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON would show these as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  let text: string;
  try {
    text = boundedJson(value, RECEIVED_LIMIT + 1);
  } catch {
    // A cycle, a BigInt inside, a getter that throws: say what it is, never throw here.
    text = Object.prototype.toString.call(value);
  }
  return text.length > RECEIVED_LIMIT ? `${text.slice(0, RECEIVED_LIMIT - 3)}...` : text;
}

/**
 * The start of JSON.stringify's text (at least `limit` characters of it, when there are as many),
 * in time proportional to `limit` rather than to the value: a message shows 120 characters of a
 * megabyte string, and serializing the megabyte once per problem made formatting quadratic.
 */
function boundedJson(root: unknown, limit: number): string {
  let out = '';
  const ancestors = new Set<object>();
  const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';
  const emit = (input: unknown): void => {
    let value = input;
    if (
      value !== null &&
      typeof value === 'object' &&
      typeof (value as { toJSON?: unknown }).toJSON === 'function'
    )
      value = (value as { toJSON: () => unknown }).toJSON();
    if (typeof value === 'string') {
      out += JSON.stringify(value.slice(0, Math.max(0, limit - out.length)));
      return;
    }
    if (typeof value === 'bigint') throw new TypeError('a BigInt has no JSON form');
    if (value === null || typeof value !== 'object') {
      out += JSON.stringify(value) ?? 'null';
      return;
    }
    if (ancestors.has(value)) throw new TypeError('a cycle has no JSON form');
    ancestors.add(value);
    if (Array.isArray(value)) {
      out += '[';
      for (let i = 0; i < value.length && out.length < limit; i++) {
        if (i > 0) out += ',';
        const item: unknown = value[i];
        emit(omitted(item) ? null : item);
      }
      out += ']';
    } else {
      out += '{';
      let first = true;
      for (const key in value) {
        if (out.length >= limit) break;
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        const item = (value as Record<string, unknown>)[key];
        if (omitted(item)) continue;
        out += `${first ? '' : ','}${JSON.stringify(key.slice(0, limit))}:`;
        first = false;
        emit(item);
      }
      out += '}';
    }
    ancestors.delete(value);
  };
  emit(root);
  return out;
}

/**
 * Zod issue params for a value that must never be shown: what a user typed where the NAME of an
 * environment variable belongs may be the secret itself.
 */
export const CONCEALED_INPUT = { concealInput: true } as const;

/** What a concealed value was, without any of its content. */
export function renderConcealed(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return `a string of ${value.length} characters (not shown: it may be a secret)`;
  const kind = value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
  return `${kind} (not shown: it may be a secret)`;
}

/**
 * A step failed on a host. The message is the reason a person can act on; it is what the runner
 * prints after the step name.
 */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailure';
  }
}

/**
 * One message listing every problem found, so a person fixes them all before the next run:
 * the headline, then one "  - problem" line each.
 */
export function problemList(headline: string, problems: readonly string[]): string {
  return `${headline}\n${problems.map((p) => `  - ${p}`).join('\n')}`;
}
