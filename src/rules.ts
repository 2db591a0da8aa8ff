/**
 * Named advice rules, as cdk-nag names its rules: each rule has a stable id, says in a sentence what
 * it checks, and is one predicate over a construct's config. One mechanism applies every
 * construct's rules: a finding is a synth warning `[ID] message` unless the construct's
 * `acknowledge` list names the rule with a reason, when it is an info note carrying the reason. An
 * acknowledgement of a rule the construct does not have is a problem of the synth. Pure apart from
 * the Annotations it adds.
 */
import type { IConstruct } from 'constructs';
import { z } from 'zod';
import { Annotations } from './cdktf';
import type { ValidationProblem } from './errors';
import { hasControlCharacters } from './schema/common';
import { validateAtSynth } from './validate-at-synth';

/** The core's own rule, which every construct's steps may report: a host whose key is not pinned. */
export const HOST_UNPINNED_KEY = 'HOST-UNPINNED-KEY';

/** What a rule found: the advice, about which property. */
export interface Advice {
  readonly message: string;
  /** The property the advice is about, for the reader. */
  readonly property?: string;
}

export interface AdviceRule<Config> {
  /** Stable, upper case, the construct's prefix first: `NFS-EXPORT-ASYNC`. */
  readonly id: string;
  /** What the rule checks, in a sentence (the docs' rules table). */
  readonly summary: string;
  readonly check: (config: Config) => readonly Advice[];
}

/** A rule a user accepts, and why. */
export interface RuleAcknowledgement {
  /** The rule's id, e.g. "NFS-EXPORT-ASYNC". */
  readonly id: string;
  /** Why the advice does not apply here: kept in the synth output. */
  readonly reason: string;
}

/** `acknowledge: [{ id, reason }]`, the prop every construct with advice takes. */
export function acknowledgementsSchema(idExample: string) {
  return z.array(
    z.strictObject({
      id: z.string({ error: `expected a rule id such as "${idExample}"` }).regex(/^[A-Z][A-Z0-9-]+$/, {
        error: `expected a rule id such as "${idExample}"`,
      }),
      reason: z
        .string({ error: 'expected why the advice does not apply here' })
        .min(10, { error: 'expected a reason of a few words: why the advice does not apply here' })
        .max(2000, { error: 'expected a reason of at most 2000 characters' })
        .refine((v) => !hasControlCharacters(v.replace(/\n/g, ' ')), {
          error: 'a reason may not contain control characters',
        }),
    }),
    { error: 'expected a list of { id, reason }' },
  );
}

/** A finding of a rule, ready to report. */
export interface RuleFinding {
  readonly ruleId: string;
  readonly message: string;
  /** Acknowledged by the construct's own props rather than its acknowledge list, and how. */
  readonly acknowledgedBy?: string;
}

/** Reports one finding on `scope`: a warning, or an info with the reason when acknowledged. */
export function reportFinding(
  scope: IConstruct,
  finding: RuleFinding,
  acknowledged: ReadonlyMap<string, string>,
  whereToAcknowledge = "in this construct's acknowledge prop",
): void {
  const text = `[${finding.ruleId}] ${finding.message.replace(/\.$/, '')}`;
  const reason = finding.acknowledgedBy ?? acknowledged.get(finding.ruleId);
  if (reason !== undefined) Annotations.of(scope).addInfo(`${text} (acknowledged: ${reason})`);
  else
    Annotations.of(scope).addWarning(
      `${text}. To accept it, acknowledge { id: "${finding.ruleId}", reason } ${whereToAcknowledge}.`,
    );
}

/** Acknowledgements of ids none of `known` carries: one problem each, naming the known ids. */
export function unknownAcknowledgements(
  constructPath: string,
  acknowledgements: readonly RuleAcknowledgement[],
  known: readonly string[],
): ValidationProblem[] {
  return acknowledgements
    .filter((a) => !known.includes(a.id))
    .map((a) => ({
      constructPath,
      propertyPath: 'acknowledge',
      received: JSON.stringify(a.id),
      expected: `expected the id of a rule of this construct: ${known.join(', ')}`,
    }));
}

/**
 * Applies a construct's rules to its config: every finding reported (acknowledged or not), every
 * unknown acknowledgement a problem of this synth.
 */
export function applyAdviceRules<Config>(
  scope: IConstruct,
  rules: readonly AdviceRule<Config>[],
  config: Config,
  acknowledgements: readonly RuleAcknowledgement[] = [],
): void {
  const acknowledged = new Map(acknowledgements.map((a) => [a.id, a.reason]));
  for (const rule of rules)
    for (const advice of rule.check(config))
      reportFinding(scope, { ruleId: rule.id, message: advice.message }, acknowledged);
  validateAtSynth(scope, () =>
    unknownAcknowledgements(scope.node.path, acknowledgements, [
      ...rules.map((r) => r.id),
      HOST_UNPINNED_KEY,
    ]),
  );
}
