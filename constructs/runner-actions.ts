import type { ActionHandler } from '../src/runner/action-handler';

/**
 * The action kinds constructs contribute to the runner, by kind name (`<construct>.<action>`).
 * The runner bundle includes them next to the built-in kinds.
 */
export const CONSTRUCT_ACTIONS: Readonly<Record<string, ActionHandler<never>>> = {};
