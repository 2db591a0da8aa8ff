/**
 * A fact, as pyinfra has them: one remote read, as data. Its command (per host), its parser, and
 * the exit status that means "missing" with the value that stands for it. The frame gathers every
 * fact an operation needs in one batch: one round trip, whatever their number.
 */
import { StepFailure } from '../errors';
import type { CommandResult, RemoteCall, RemoteHost } from '../runner/remote-host';
import { tail } from '../runner/remote-host';

export interface Fact<T> {
  /** Names the fact in messages: "the export table". */
  readonly name: string;
  /** The read, for this host (its dialect decides the command). */
  readonly call: (host: RemoteHost) => RemoteCall;
  /** The value, from what the command printed (exit 0). */
  readonly parse: (stdout: string) => T;
  /** The exit status that means the subject is missing, and the value that stands for it. */
  readonly missing?: { readonly status: number; readonly value: T };
  /**
   * Any other non-zero exit: the value it stands for (a probe whose exit status is its answer),
   * or the StepFailure to throw in the fact's own words.
   * @default a StepFailure naming the fact, the host and the output
   */
  readonly failure?: (result: CommandResult, host: RemoteHost) => T;
}

/** An entry of a record of facts: one fact, or a list of facts of one kind (one per subject). */
export type FactEntry = Fact<unknown> | readonly Fact<unknown>[];

/** What each fact of a record reads as (a list of facts: the list of their values). */
export type FactValues<F extends Record<string, FactEntry>> = { [K in keyof F]: FactValue<F[K]> };
type FactValue<F> = F extends readonly Fact<infer T>[] ? T[] : F extends Fact<infer T> ? T : never;

/** A fact's value from its command's result; any other failure names the fact, the host and the output. */
export function readFact<T>(host: RemoteHost, fact: Fact<T>, result: CommandResult): T {
  if (fact.missing && result.code === fact.missing.status) return fact.missing.value;
  if (result.code !== 0 && fact.failure) return fact.failure(result, host);
  if (result.code !== 0)
    throw new StepFailure(
      `${host.label}: reading ${fact.name} failed (exit ${result.code}): ${tail(result.stderr || result.stdout, 3)}`,
    );
  return fact.parse(result.stdout);
}

/** Every fact of the record, lists included, read in one batch (one round trip). */
export async function gatherFacts<F extends Record<string, FactEntry>>(
  host: RemoteHost,
  facts: F,
): Promise<FactValues<F>> {
  const batch = factBatch(host, facts);
  return batch.read(await host.batch(batch.calls));
}

/**
 * The calls that read every fact of the record, and how to read their results: for a caller that
 * sends them in a batch of its own, beside other calls (the frame reads its marker with them).
 */
export function factBatch<F extends Record<string, FactEntry>>(
  host: RemoteHost,
  facts: F,
): { readonly calls: RemoteCall[]; readonly read: (results: readonly CommandResult[]) => FactValues<F> } {
  const names = Object.keys(facts) as (keyof F & string)[];
  const flat = names.flatMap((name) => {
    const entry: FactEntry = facts[name];
    return (Array.isArray(entry) ? entry : [entry]).map((fact: Fact<unknown>) => ({ name, fact }));
  });
  const read = (results: readonly CommandResult[]) => {
    const values = Object.fromEntries(
      names.map((name) => [name, Array.isArray(facts[name]) ? ([] as unknown[]) : undefined]),
    ) as Record<string, unknown>;
    flat.forEach(({ name, fact }, i) => {
      const value = readFact(host, fact, results[i]);
      if (Array.isArray(facts[name])) (values[name] as unknown[]).push(value);
      else values[name] = value;
    });
    return values as FactValues<F>;
  };
  return { calls: flat.map(({ fact }) => fact.call(host)), read };
}
