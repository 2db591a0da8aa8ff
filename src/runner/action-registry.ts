/**
 * Which handler carries out which action kind. Typed: a construct hands in one map from each kind
 * of its action union to the handler of exactly that action type, so a handler cannot be filed
 * under another kind's name; a kind registered twice throws when the runner is assembled, long
 * before a deploy.
 */
import type { Action } from '../actions';
import type { ActionHandler } from './action-handler';

/** One handler per kind of the union `A`, each typed with its own action. */
export type HandlerMap<A extends Action> = {
  readonly [K in A['kind']]: ActionHandler<Extract<A, { readonly kind: K }>>;
};

export class ActionRegistry {
  private readonly byKind = new Map<string, ActionHandler<never>>();

  /** Adds every handler of a map; a kind that is already there throws. */
  add<A extends Action>(owner: string, handlers: HandlerMap<A>): this {
    for (const [kind, handler] of Object.entries(handlers)) {
      if (this.byKind.has(kind)) throw new Error(`${owner}: the action kind "${kind}" already has a handler`);
      this.byKind.set(kind, handler as ActionHandler<never>);
    }
    return this;
  }

  handlerFor(kind: string): ActionHandler<Action> | undefined {
    return this.byKind.get(kind) as ActionHandler<Action> | undefined;
  }

  get kinds(): readonly string[] {
    return [...this.byKind.keys()];
  }
}
