/** Waits `ms` milliseconds: between the looks of a bounded poll. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
