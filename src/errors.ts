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

export function formatProblems(problems: readonly ValidationProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const byConstruct = new Map<string, ValidationProblem[]>();
  for (const p of problems) {
    byConstruct.set(p.constructPath, [...(byConstruct.get(p.constructPath) ?? []), p]);
  }
  const lines = [`Invalid configuration (${count}):`];
  for (const [constructPath, list] of byConstruct) {
    lines.push(`  ${constructPath}:`);
    for (const p of list) {
      lines.push(`    - ${p.propertyPath || '(props)'}: received ${p.received}; ${p.expected}`);
    }
  }
  return lines.join('\n');
}

/** Renders a received value for an error message: short, single line, never undefined-looking. */
export function renderReceived(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON would show these as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    // A cycle, a BigInt inside, an object without a prototype: say what it is, never throw here.
    text = Object.prototype.toString.call(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
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
