/**
 * An operation, as pyinfra has them: facts in, a pure decision out (the changes to make, or why
 * none is needed). The frame, not each handler, does the rest the same way everywhere: check-only
 * mode reports the decision and changes nothing; before a change, the action's notification and
 * the operation's own pending marker are recorded; the changes run (one batch); the facts are read again and
 * the decision must now be "nothing to do" (or the failure says what is still wrong); the marker is
 * cleared only then, so a change that failed, or did not hold, is made again by the next run. A
 * change is commands and the files it writes (atomically, with a backup), in order; the decision
 * is told when an earlier run left the marker, for a change that must be finished (a service
 * stopped and not started again) even when the facts alone call for nothing.
 */
import { StepFailure } from '../errors';
import type { ActionContext, ActionResult } from '../runner/action-handler';
import type { CommandResult, RemoteCall, RemoteHost } from '../runner/remote-host';
import { tail } from '../runner/remote-host';
import { factBatch, FactEntry, FactValues } from './fact';
import { fileWriteCall, FileWriteCall } from './file-write';

/**
 * One command of a change, or a file it writes (atomically, with a backup), and optionally the
 * sentence that says what failed when it does.
 */
export type ChangeCall = (RemoteCall | FileWriteCall) & {
  /** @default "<host>: <the change's description> failed (exit N): <its output>" */
  readonly failure?: (result: CommandResult, host: RemoteHost) => string;
};

/** One change: what it does (for the report) and its commands, run in order, each of which must succeed. */
export interface Change {
  /** What was done, for the report: "exportfs -ra (the table does not export /srv)". */
  readonly description: string;
  /** What would be done, for check-only mode. @default the description */
  readonly intent?: string;
  /** Why it is needed (what the facts showed), for a failure when it did not hold. */
  readonly reason?: string;
  readonly calls: readonly ChangeCall[];
}

export type Decision = { readonly changes: readonly Change[] } | { readonly noop: string };

export const noop = (reason: string): Decision => ({ noop: reason });
export const change = (...changes: Change[]): Decision => ({ changes });

/** What the frame knows beyond the facts when it asks for a decision. */
export interface DecisionState {
  /**
   * An earlier run left the operation's pending marker: its change may be half done (a service
   * stopped and not started again). Always false at the verification: the facts alone decide.
   */
  readonly pending: boolean;
}

export interface Operation<A, F extends Record<string, FactEntry>> {
  /** The facts it reads, for this action. */
  readonly facts: (action: A) => F;
  /** Pure: what must change, or why nothing needs to. */
  readonly decide: (facts: FactValues<F>, action: A, state: DecisionState) => Decision;
  /**
   * The pending marker left while the change is not verified: a name unique to the operation and
   * its subject. @default none: the decision alone shows what is left to do
   */
  readonly pendingMarker?: (action: A) => string;
  /** When the change ran but the facts still call for one: the sentence that says what to look at. */
  readonly notHeld: (decision: { changes: readonly Change[] }, action: A, host: RemoteHost) => string;
}

/** Runs an operation on the context's host: check, change only what differs, verify. */
export async function runOperation<A, F extends Record<string, FactEntry>>(
  operation: Operation<A, F>,
  action: A,
  context: ActionContext,
): Promise<ActionResult> {
  const { host } = context;
  const marker = operation.pendingMarker?.(action);
  const facts = operation.facts(action);
  const { values, pending } = await readState(host, facts, marker);
  const decision = operation.decide(values, action, { pending });
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
  // The marker first, then every change's commands and files, in one batch (one round trip): a
  // failed call skips the rest, so no change runs unless the marker was written. A marker an
  // earlier run left already says what is due: it stays as it is.
  const markerWrite: { change: Change; failure: undefined; call: RemoteCall }[] =
    marker !== undefined && !pending
      ? [
          {
            change: { description: `recording the pending marker ${marker}`, calls: [] },
            failure: undefined,
            call: {
              ...fileWriteCall(host, {
                path: host.markerPath(marker),
                content: `${what || 'verification due'}\n`,
              }),
              mustSucceed: true,
            },
          },
        ]
      : [];
  const calls = [
    ...markerWrite,
    ...changes.flatMap((c) =>
      c.calls.map(({ failure, ...call }) => ({
        change: c,
        failure,
        call: { ...('write' in call ? fileWriteCall(host, call.write) : call), mustSucceed: true },
      })),
    ),
  ];
  const results = await host.batch(calls.map((c) => c.call));
  const failed = results.findIndex((r) => r.code !== 0);
  if (failed >= 0) {
    const result = results[failed];
    const { change: failedChange, failure } = calls[failed];
    throw new StepFailure(
      failure
        ? failure(result, host)
        : `${host.label}: ${failedChange.description} failed (exit ${result.code}): ${tail(result.stderr || result.stdout, 3)}`,
    );
  }
  const after = operation.decide((await readState(host, facts, undefined)).values, action, {
    pending: false,
  });
  if ('changes' in after) throw new StepFailure(operation.notHeld(after, action, host));
  if (marker !== undefined) await host.clearPending(marker);
  return { changed: changes.length > 0, detail: changes.length > 0 ? what : `verified (${after.noop})` };
}

/** The operation's facts and whether its marker is on the host, read in one batch (one round trip). */
async function readState<F extends Record<string, FactEntry>>(
  host: RemoteHost,
  facts: F,
  marker: string | undefined,
): Promise<{ values: FactValues<F>; pending: boolean }> {
  const batch = factBatch(host, facts);
  const markerPath = marker !== undefined ? host.markerPath(marker) : undefined;
  const results = await host.batch([
    ...batch.calls,
    ...(markerPath !== undefined ? [host.readFileCall(markerPath)] : []),
  ]);
  const values = batch.read(results.slice(0, batch.calls.length));
  const pending =
    markerPath !== undefined && host.fileContent(markerPath, results[batch.calls.length]) !== undefined;
  return { values, pending };
}
