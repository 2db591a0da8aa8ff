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
}

/** What each fact of a record reads as. */
export type FactValues<F extends Record<string, Fact<unknown>>> = { [K in keyof F]: FactValue<F[K]> };
type FactValue<F> = F extends Fact<infer T> ? T : never;

/** A fact's value from its command's result; any other failure names the fact, the host and the output. */
export function readFact<T>(host: RemoteHost, fact: Fact<T>, result: CommandResult): T {
  if (fact.missing && result.code === fact.missing.status) return fact.missing.value;
  if (result.code !== 0)
    throw new StepFailure(
      `${host.label}: reading ${fact.name} failed (exit ${result.code}): ${tail(result.stderr || result.stdout, 3)}`,
    );
  return fact.parse(result.stdout);
}

/** Every fact of the record, read in one batch (one round trip). */
export async function gatherFacts<F extends Record<string, Fact<unknown>>>(
  host: RemoteHost,
  facts: F,
): Promise<FactValues<F>> {
  const names = Object.keys(facts) as (keyof F & string)[];
  const results = await host.batch(names.map((name) => facts[name].call(host)));
  const values = {} as Record<string, unknown>;
  names.forEach((name, i) => {
    values[name] = readFact(host, facts[name], results[i]);
  });
  return values as FactValues<F>;
}
