/** The runner's handlers: the built-in action kinds and every construct's, each kind exactly once. */
import { addConstructHandlers } from './constructs/handlers';
import { ActionRegistry } from './src/runner/action-registry';
import { BUILTIN_ACTIONS } from './src/runner/builtin-actions';

export function runnerRegistry(): ActionRegistry {
  return addConstructHandlers(new ActionRegistry().add('built-in', BUILTIN_ACTIONS));
}
