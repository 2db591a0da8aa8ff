/**
 * The seed of a property test: fixed in CI (the `CI` environment variable set), so a run there is
 * reproducible; random elsewhere, printed so that a failure found locally can be replayed with
 * FUZZ_SEED=<seed>, and then kept as a regression case.
 */
export const CI_FUZZ_SEED = 20261202;

export function fuzzSeed(test: string): number {
  const given = process.env.FUZZ_SEED;
  const seed =
    given && /^\d+$/.test(given)
      ? Number(given)
      : process.env.CI
        ? CI_FUZZ_SEED
        : Math.floor(Math.random() * 2 ** 31);
  console.log(`${test}: fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
  return seed;
}
