import { z } from 'zod';
import { CONCEALED_INPUT } from '../errors';
import { isToken } from './token';

/**
 * A string that must pass `check`, unless it is a cdktf Token: a Token's real value is only known
 * at apply time, where the runner checks it again.
 */
export function stringOrToken(check: (value: string) => boolean, expected: string) {
  return z.string({ error: expected }).refine((v) => isToken(v) || check(v), { error: expected });
}

/** Control characters (newlines included) have no place in a path, a name or a login. */
export function hasControlCharacters(value: string): boolean {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return /[\0-\x1f\x7f]/.test(value);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function isIpv4(value: string): boolean {
  return IPV4.test(value);
}

export function isIpv6(value: string): boolean {
  return z.ipv6().safeParse(value).success;
}

export function isHostname(value: string): boolean {
  return HOSTNAME.test(value) && !/^\d+(\.\d+)*$/.test(value);
}

/** An IPv4 or IPv6 address or a DNS hostname. Nothing else can reach a shell or an ssh target. */
export const addressSchema = stringOrToken(
  (v) => isIpv4(v) || isIpv6(v) || isHostname(v),
  'expected an IPv4 address (10.0.0.11), an IPv6 address (fd00::11) or a DNS hostname (da1.example.com)',
);

/** An IP address only (no hostname), where the vendor wants addresses, e.g. listen addresses. */
export const ipAddressSchema = stringOrToken(
  (v) => isIpv4(v) || isIpv6(v),
  'expected an IPv4 address (10.0.0.11) or an IPv6 address (fd00::11)',
);

export const portSchema = z
  .number({ error: 'expected a TCP port number between 1 and 65535' })
  .int({ error: 'expected a whole TCP port number between 1 and 65535' })
  .min(1, { error: 'expected a TCP port number between 1 and 65535' })
  .max(65535, { error: 'expected a TCP port number between 1 and 65535' });

/** Linux's PATH_MAX: no longer path can be opened. */
export const MAX_PATH_LENGTH = 4096;
export const PATH_TOO_LONG = `expected a path of at most ${MAX_PATH_LENGTH} characters (PATH_MAX)`;

/** An absolute POSIX path without control characters or `..` segments. */
export const posixPathSchema = z
  .string({ error: 'expected an absolute path such as /srv/da-shared' })
  .max(MAX_PATH_LENGTH, { error: PATH_TOO_LONG })
  .refine((v) => v.startsWith('/'), {
    error: 'expected an absolute path starting with "/", such as /srv/da-shared',
  })
  .refine((v) => !hasControlCharacters(v), { error: 'a path may not contain control characters or newlines' })
  .refine((v) => !v.split('/').includes('..'), {
    error: 'a path may not contain ".." segments; give the resolved path',
  });

/** POSIX user and group names as useradd accepts them by default. */
export const posixNameSchema = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, {
  error:
    'expected a POSIX name: lower-case letters, digits, "_" or "-", starting with a letter or "_", at most 32 characters',
});

/** A numeric user or group ID that is neither root nor the kernel's overflow/nobody IDs. */
export const posixIdSchema = z
  .number({ error: 'expected a numeric ID between 1 and 65533' })
  .int({ error: 'expected a whole numeric ID' })
  .min(1, { error: 'expected a numeric ID of at least 1: 0 is root, which NFS squashes' })
  .max(65533, { error: 'expected a numeric ID of at most 65533 (65534 is nobody)' });

/** Longer names are refused: a name this long is a value typed where its name belongs. */
export const MAX_ENV_VAR_NAME_LENGTH = 128;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function envVarNameProblem(value: unknown): string {
  const example =
    'the NAME of the environment variable that holds the secret at apply time, such as SSH_PRIVATE_KEY';
  if (typeof value !== 'string') return `expected ${example}`;
  if (value.length > MAX_ENV_VAR_NAME_LENGTH)
    return `expected ${example}: at most ${MAX_ENV_VAR_NAME_LENGTH} characters; never the secret itself`;
  return `not a valid environment variable name (letters, digits and "_", not starting with a digit): expected ${example}, never the secret itself`;
}

/**
 * The name of an environment variable, where the runner will read a secret at apply time. What
 * is refused here is never shown: a secret typed where its variable's name belongs would
 * otherwise be printed in the error meant to protect it.
 */
export const envVarNameSchema = z.custom<string>(
  (v) => typeof v === 'string' && v.length <= MAX_ENV_VAR_NAME_LENGTH && ENV_VAR_NAME.test(v),
  { error: (issue) => envVarNameProblem(issue.input), params: CONCEALED_INPUT },
);

export const durationSecondsSchema = z
  .number({ error: 'expected a number of seconds' })
  .positive({ error: 'expected a positive number of seconds' })
  .max(86400, { error: 'expected at most 86400 seconds (one day)' });

/**
 * Options for a cross-field rule that must run even when a field already failed, so that one
 * ValidationError lists every problem instead of revealing them one synth at a time.
 * The rule itself must then tolerate fields of the wrong type.
 */
export const EVEN_WITH_FIELD_ERRORS = {
  when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null,
};

/**
 * The value as a record for a rule to look into, or an empty one when it is not an object: a rule
 * run EVEN_WITH_FIELD_ERRORS may meet a string where a record belongs, and `Object.entries` of a
 * string is one entry per character.
 */
export function plainRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The issues already found on the value a rule runs on (its fields' own checks). */
export function issuesSoFar(ctx: z.RefinementCtx<never>): readonly z.core.$ZodIssue[] {
  return (ctx as unknown as { issues?: z.core.$ZodIssue[] }).issues ?? [];
}

/**
 * Wraps a cross-field rule run EVEN_WITH_FIELD_ERRORS: when a field already failed its own check,
 * the rule may meet a value of any type (false where a list belongs, an object without a
 * prototype where a string belongs) and throw; that field's own issue already says what is wrong,
 * so the rule is skipped. On props without field errors a throw is a bug and propagates.
 */
export function crossFieldRule<T>(
  rule: (value: T, ctx: z.RefinementCtx<T>) => void,
): (value: T, ctx: z.RefinementCtx<T>) => void {
  return (value, ctx) => {
    const fieldIssues = issuesSoFar(ctx as z.RefinementCtx<never>);
    try {
      rule(value, withoutIssuesBelowWrongShapes(ctx, fieldIssues));
    } catch (error) {
      if (fieldIssues.length > 0 && (error instanceof TypeError || error instanceof RangeError)) return;
      throw error;
    }
  };
}

/** Whether the issue says its value is not even the right kind of thing (a string where a list belongs). */
export const isWrongShape = (issue: { readonly code: string }): boolean =>
  issue.code === 'invalid_type' || issue.code === 'invalid_union';

/** One string per path (a key 1 and an index 1 differ). */
export const pathKey = (path: readonly PropertyKey[]): string =>
  path.map((key) => `${typeof key}:${String(key)}`).join('\u0000');

/** The keys of the path's ancestors and of the path itself, the root first. */
export const pathKeysFromRoot = (path: readonly PropertyKey[]): string[] =>
  Array.from({ length: path.length + 1 }, (_, length) => pathKey(path.slice(0, length)));

/**
 * The rule's context, minus its issues at or below a field of the wrong type: that field's own
 * issue says what is wrong, and a rule looking into a string where a list belongs would otherwise
 * add one issue per character (and zod, which gathers issues with `push(...)`, overflows the stack
 * past some 100,000).
 */
function withoutIssuesBelowWrongShapes<T>(
  ctx: z.RefinementCtx<T>,
  fieldIssues: readonly z.core.$ZodIssue[],
): z.RefinementCtx<T> {
  const wrong = new Set(fieldIssues.filter(isWrongShape).map((i) => pathKey(i.path)));
  if (wrong.size === 0) return ctx;
  const guarded = Object.create(ctx) as z.RefinementCtx<T>;
  guarded.addIssue = (issue) => {
    const path = typeof issue === 'string' ? [] : (issue.path ?? []);
    if (pathKeysFromRoot(path).some((key) => wrong.has(key))) return;
    ctx.addIssue(issue);
  };
  return guarded;
}

/** `T` with every array and object read-only, as the declared props and config types are. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends (...args: never[]) => unknown
    ? T
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/**
 * Whether a schema's own types are the declared ones, read-only aside: it outputs exactly `Config`
 * (each assignable to the other) and accepts every `Props`. `true`, or the sentence naming what
 * differs.
 */
export type SchemaMatches<S extends z.ZodType, Config, Props> = [DeepReadonly<z.output<S>>] extends [
  DeepReadonly<Config>,
]
  ? [DeepReadonly<Config>] extends [DeepReadonly<z.output<S>>]
    ? [Props] extends [DeepReadonly<z.input<S>>]
      ? true
      : 'the schema does not accept every value of the props type'
    : 'the config type holds values the schema never outputs'
  : 'the schema outputs values the config type does not hold';

/**
 * The schema itself, once the compiler has checked that its types are the declared props and
 * config types (SchemaMatches): no cast hides a drift between the two, the build fails on it.
 */
export function declaredSchema<Config, Props>() {
  return <S extends z.ZodType>(
    schema: S,
    ..._typesMatch: SchemaMatches<S, Config, Props> extends true ? [] : [SchemaMatches<S, Config, Props>]
  ): S => schema;
}
