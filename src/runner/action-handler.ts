import type { Action } from '../actions';
import type { HostConfig } from '../schema/host';
import type { RemoteHost } from './remote-host';

export interface ActionContext {
  /** The step's host. */
  readonly host: RemoteHost;
  /** Another host, for actions that span hosts (a lock held on one, tried from another). Reuses connections. */
  connect(host: HostConfig): Promise<RemoteHost>;
  /** Report what would change instead of changing it. */
  readonly checkOnly: boolean;
  /**
   * Call right before changing anything: it records the action's pending notification first, so a
   * failure after the change cannot lose the restart it calls for.
   */
  aboutToChange(): Promise<void>;
}

export interface ActionResult {
  readonly changed: boolean;
  /** A short note for the progress line: a backup path, what was found. */
  readonly detail?: string;
  /**
   * What the action read each host to be, by host label, in the vendor's words ("Active", "holds
   * the virtual IPs"): only states the handler read, for the run summary.
   */
  readonly hostStates?: Readonly<Record<string, string>>;
}

/** Carries out one action kind: check, apply only what differs, verify. Throws StepFailure to fail. */
export type ActionHandler<A extends Action = Action> = (
  action: A,
  context: ActionContext,
) => Promise<ActionResult>;

/** How an action is named in progress lines. */
export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'file':
      return `file ${action.path}`;
    case 'config':
      return `${action.format} ${action.path}`;
    case 'line':
      return `line in ${action.path}`;
    case 'command':
      return action.description;
    default:
      return typeof action.description === 'string' ? action.description : action.kind;
  }
}
