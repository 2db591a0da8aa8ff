/** The runner bundle's entry (dist/runner.cjs): the core runner with every handler and topology reader gathered. */
import { constructTopologyReaders } from './constructs/topology';
import { runnerRegistry } from './registry';
import { runRunner } from './src/runner/main';

void runRunner(runnerRegistry(), constructTopologyReaders());
