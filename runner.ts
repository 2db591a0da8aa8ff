/** The runner bundle's entry (dist/runner.cjs): the core runner with every handler gathered. */
import { runnerRegistry } from './registry';
import { runRunner } from './src/runner/main';

void runRunner(runnerRegistry());
