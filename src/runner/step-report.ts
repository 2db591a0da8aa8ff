/** What running a step reports: per step and per action (the JSONL report's lines). */
export type Outcome = 'ok' | 'changed' | 'failed';

export interface ActionReport {
  readonly action: string;
  readonly outcome: Outcome;
  readonly detail?: string;
  /** What the action read each host to be, by host label (ActionResult.hostStates). */
  readonly hostStates?: Readonly<Record<string, string>>;
}

export interface StepReport {
  readonly step: string;
  readonly description: string;
  readonly host: string;
  readonly outcome: Outcome;
  readonly checkOnly: boolean;
  readonly durationMs: number;
  readonly reason?: string;
  readonly actions: readonly ActionReport[];
  /** Network waits this step made (a batch of commands counts once). */
  readonly roundTrips: number;
  /** Commands run on hosts. */
  readonly remoteCommands: number;
}
