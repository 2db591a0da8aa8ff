/**
 * An operation, as pyinfra has them: facts in, a pure decision out (the changes to make, or why
 * none is needed). The frame, not each handler, does the rest the same way everywhere: check-only
 * mode reports the decision and changes nothing; before a change, the action's notification and
 * the operation's own pending marker are recorded; the changes run (one batch); the facts are read again and
 * the decision must now be "nothing to do" (or the failure says what is still wrong); the marker is
 * cleared only then, so a change that failed, or did not hold, is made again by the next run.
 */
import { StepFailure } from '../errors';
import type { ActionContext, ActionResult } from '../runner/action-handler';
import type { RemoteCall, RemoteHost } from '../runner/remote-host';
import { tail } from '../runner/remote-host';
import { Fact, FactValues, gatherFacts } from './fact';

/** One change: what it does (for the report) and its commands, run in order, each of which must succeed. */
export interface Change {
  /** What was done, for the report: "exportfs -ra (the table does not export /srv)". */
  readonly description: string;
  /** What would be done, for check-only mode. @default the description */
  readonly intent?: string;
  /** Why it is needed (what the facts showed), for a failure when it did not hold. */
  readonly reason?: string;
  readonly calls: readonly RemoteCall[];
}

export type Decision = { readonly changes: readonly Change[] } | { readonly noop: string };

export const noop = (reason: string): Decision => ({ noop: reason });
export const change = (...changes: Change[]): Decision => ({ changes });

export interface Operation<A, F extends Record<string, Fact<unknown>>> {
  /** The facts it reads, for this action. */
  readonly facts: (action: A) => F;
  /** Pure: what must change, or why nothing needs to. */
  readonly decide: (facts: FactValues<F>, action: A) => Decision;
  /**
   * The pending marker left while the change is not verified: a name unique to the operation and
   * its subject. @default none: the decision alone shows what is left to do
   */
  readonly pendingMarker?: (action: A) => string;
  /** When the change ran but the facts still call for one: the sentence that says what to look at. */
  readonly notHeld: (decision: { changes: readonly Change[] }, action: A, host: RemoteHost) => string;
}

/** Runs an operation on the context's host: check, change only what differs, verify. */
export async function runOperation<A, F extends Record<string, Fact<unknown>>>(
  operation: Operation<A, F>,
  action: A,
  context: ActionContext,
): Promise<ActionResult> {
  const { host } = context;
  const marker = operation.pendingMarker?.(action);
  const facts = operation.facts(action);
  const pending = marker !== undefined && (await host.isPending(marker));
  const decision = operation.decide(await gatherFacts(host, facts), action);
  if ('noop' in decision && !pending) return { changed: false, detail: decision.noop };
  const changes = 'changes' in decision ? decision.changes : [];
  const what = changes.map((c) => c.description).join('; ');
  if (context.checkOnly)
    return {
      changed: true,
      detail:
        changes.length > 0
          ? `would ${changes.map((c) => c.intent ?? c.description).join('; ')}`
          : 'would verify a change an earlier run left unverified',
    };
  await context.aboutToChange();
  if (marker !== undefined) await host.setPending(marker, what || 'verification due');
  // Every change's commands in one batch (one round trip): a failed one skips the rest.
  const calls = changes.flatMap((c) =>
    c.calls.map((call) => ({ change: c, call: { ...call, mustSucceed: true } })),
  );
  const results = await host.batch(calls.map((c) => c.call));
  const failed = results.findIndex((r) => r.code !== 0);
  if (failed >= 0) {
    const result = results[failed];
    throw new StepFailure(
      `${host.label}: ${calls[failed].change.description} failed (exit ${result.code}): ${tail(result.stderr || result.stdout, 3)}`,
    );
  }
  const after = operation.decide(await gatherFacts(host, facts), action);
  if ('changes' in after) throw new StepFailure(operation.notHeld(after, action, host));
  if (marker !== undefined) await host.clearPending(marker);
  return { changed: changes.length > 0, detail: changes.length > 0 ? what : `verified (${after.noop})` };
}
