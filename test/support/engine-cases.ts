/**
 * The synth suite runs once per flavour of the library (jest projects `synth` and `synth-cdktn`):
 * the cases a flavour cannot have (cdktn emits no null_resource) are left out by name, and that
 * flavour's refusal of them is asserted on its own.
 */
import { Flavour, FLAVOUR as THIS_FLAVOUR } from '../../src/flavour';

/** The flavour under test, widened: at run time it may be either. */
export const FLAVOUR: Flavour = THIS_FLAVOUR;

type Engine = 'null_resource' | 'terraform_data';

/** The `describe.each` cases of the engines this flavour emits. */
export function engineCases<T extends readonly [Engine, ...unknown[]]>(cases: readonly T[]): T[] {
  const engines: readonly Engine[] = FLAVOUR.engines;
  const kept = cases.filter((c) => engines.includes(c[0]));
  if (kept.length === 0) throw new Error(`no case for the ${FLAVOUR.framework} flavour's engines`);
  return kept;
}
