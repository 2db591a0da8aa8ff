/**
 * The built-in actions of a step on a POSIX host, in a fixed number of round trips whatever their
 * number: the facts of every action at once (one command reads every file and marker, plus each
 * command action's check), a pure decision per action, the changes in one batch, the verification
 * in one batch. A command whose check could see an earlier action's change is checked after those
 * changes are made: one more pair of round trips, only where the actions' order demands it.
 */
import type { CommandAction, ConfigAction, FileAction, LineAction } from '../actions';
import { StepFailure } from '../errors';
import {
  FileFact,
  FileWrite,
  parseFiles,
  parseWrittenFiles,
  readFilesCommand,
  writeFilesCall,
} from '../facts/files';
import type { ActionReport } from './step-report';
import { fileOptions, metaDiffers, wantedContent } from './builtin-actions';
import { backupSuffix, CommandResult, RemoteCall, RemoteHost, tail } from './remote-host';

export type FileKindAction = FileAction | ConfigAction | LineAction;
export type BuiltinAction = FileKindAction | CommandAction;

export function isBuiltinAction(action: { kind: string }): action is BuiltinAction {
  return ['file', 'config', 'line', 'command'].includes(action.kind);
}

/** Names the action of a segment that failed, so the step report can mark it. */
export class ActionFailure extends StepFailure {
  constructor(
    message: string,
    readonly actionIndex: number,
    /** Reports of the actions before it, which completed. */
    readonly completed: readonly ActionReport[],
  ) {
    super(message);
  }
}

/** A change the decisions call for, in action order. */
type Change =
  | { readonly type: 'write'; readonly index: number; readonly write: FileWrite }
  | { readonly type: 'marker'; readonly index: number; readonly write: FileWrite }
  | { readonly type: 'run'; readonly index: number; readonly action: CommandAction };

/** A pending notification to clear once the command it called for is verified. */
interface MarkerClear {
  readonly index: number;
  readonly path: string;
}

interface Decision {
  outcome: 'ok' | 'changed';
  detail?: string;
}

export interface SegmentOptions {
  readonly stepId: string;
  readonly checkOnly: boolean;
  readonly describe: (action: BuiltinAction) => string;
}

/** Runs consecutive built-in actions; returns one report per action, or throws ActionFailure. */
export async function runBuiltinSegment(
  host: RemoteHost,
  actions: readonly BuiltinAction[],
  options: SegmentOptions,
): Promise<ActionReport[]> {
  const segment = await readSegment(host, actions, options);
  // 2. Decide, in order, on the host as the changes before each action will have left it.
  for (let index = 0; index < actions.length; index++) {
    const action = actions[index];
    try {
      if (action.kind === 'command') await decideCommand(segment, index, action);
      else decideFileAction(segment, index, action);
    } catch (error) {
      throw asActionFailure(error, index, segment.decisions, actions, options);
    }
  }
  if (options.checkOnly) return reports(segment.decisions, actions, options);

  // 3. Changes, in one round trip (a failure stops the rest, on the host).
  await flush(segment);
  // 4. Verification: what was written reads back, every command that ran passes its verify.
  await verify(host, segment.done, segment.clears, actions, segment.decisions, options);
  return reports(segment.decisions, actions, options);
}

/** A segment being run: what it read, and what its decisions so far call for. */
interface Segment {
  readonly host: RemoteHost;
  readonly actions: readonly BuiltinAction[];
  readonly options: SegmentOptions;
  /** Every file and marker the actions name, as the changes decided so far will leave them. */
  readonly files: Map<string, FileFact>;
  /** The check of each command that has one (and no marker), read with the files. */
  readonly checks: Map<number, CommandResult>;
  readonly decisions: Decision[];
  /** Decided, not made yet. */
  readonly pending: Change[];
  /** Made. */
  readonly done: Change[];
  /** The markers the decided changes set. */
  readonly setMarkers: Set<string>;
  readonly clears: MarkerClear[];
}

/** 1. Facts: every file and marker in one command, every check beside it; one round trip. */
async function readSegment(
  host: RemoteHost,
  actions: readonly BuiltinAction[],
  options: SegmentOptions,
): Promise<Segment> {
  const fileActions = actions.filter((a): a is FileKindAction => a.kind !== 'command');
  const markerPaths = actions
    .filter((a): a is CommandAction => a.kind === 'command' && a.whenNotified !== undefined)
    .map((a) => host.markerPath(a.whenNotified!));
  const paths = [...new Set([...fileActions.map((a) => a.path), ...markerPaths])];
  const checkIndexes = actions
    .map((a, i) => (a.kind === 'command' && !a.whenNotified && a.check ? i : -1))
    .filter((i) => i >= 0);
  const factResults = await host.batch([
    ...(paths.length > 0
      ? [{ command: readFilesCommand(paths), what: 'reading the files of this step' }]
      : []),
    ...checkIndexes.map((i) => ({
      command: (actions[i] as CommandAction).check!,
      what: describeCheck(actions[i]),
    })),
  ]);
  const files = paths.length > 0 ? readFacts(host, paths, factResults[0]) : new Map<string, FileFact>();
  const checks = new Map(
    checkIndexes.map((index, k) => [index, factResults[(paths.length > 0 ? 1 : 0) + k]]),
  );
  return {
    host,
    actions,
    options,
    files,
    checks,
    decisions: [],
    pending: [],
    done: [],
    setMarkers: new Set(),
    clears: [],
  };
}

/** Makes the changes decided so far (one round trip), so that a later check sees them. */
async function flush(segment: Segment): Promise<void> {
  if (segment.pending.length === 0) return;
  const { host, actions, decisions, options, done } = segment;
  await applyChanges(host, segment.pending.splice(0), actions, decisions, options, done);
}

/** A change of this action sets its notification's marker, with the change, in the same batch. */
function noteChange(segment: Segment, index: number, action: BuiltinAction): void {
  if (!action.notifies) return;
  const path = segment.host.markerPath(action.notifies);
  segment.setMarkers.add(path);
  segment.pending.push({
    type: 'marker',
    index,
    write: { path, content: `${segment.options.stepId}: ${segment.options.describe(action)}\n` },
  });
}

/**
 * Whether a command is due: its marker is set (on the host, or by an earlier action's change), its
 * check fails, or it has neither.
 */
async function commandDue(segment: Segment, index: number, action: CommandAction): Promise<boolean> {
  if (action.whenNotified) {
    const path = segment.host.markerPath(action.whenNotified);
    return segment.setMarkers.has(path) || segment.files.get(path)?.state === 'file';
  }
  if (!action.check) return true;
  let check = segment.checks.get(index)!;
  // Checked before the earlier actions' changes were made: ask again once they are.
  if (!segment.options.checkOnly && segment.pending.length + segment.done.length > 0) {
    await flush(segment);
    [check] = await segment.host.batch([{ command: action.check, what: describeCheck(action) }]);
  }
  return check.code !== 0;
}

async function decideCommand(segment: Segment, index: number, action: CommandAction): Promise<void> {
  if (!(await commandDue(segment, index, action))) {
    segment.decisions[index] = { outcome: 'ok' };
    return;
  }
  segment.decisions[index] = {
    outcome: 'changed',
    ...(segment.options.checkOnly ? { detail: wouldDo('would run', action) } : {}),
  };
  noteChange(segment, index, action);
  segment.pending.push({ type: 'run', index, action });
  // Cleared only once the command's verification passed (see verify): a restart that ran but
  // never came back healthy stays due for the next run.
  if (action.whenNotified) segment.clears.push({ index, path: segment.host.markerPath(action.whenNotified) });
}

/** A file, config or line action: its wanted content against the file as earlier actions leave it. */
function decideFileAction(segment: Segment, index: number, action: FileKindAction): void {
  const label = segment.host.label;
  const fact = segment.files.get(action.path)!;
  if (fact.state === 'directory' || fact.state === 'unreadable')
    throw new StepFailure(
      `${action.path} on ${label} is ${fact.state === 'directory' ? 'a directory' : 'not readable'}; it cannot be edited as a file.`,
    );
  const current = fact.state === 'file' ? fact.content : undefined;
  const wanted = wantedContent(action, current, label);
  const options = action.kind === 'file' ? fileOptions(action) : {};
  if (current === wanted && !(fact.state === 'file' && metaDiffers(fact, options))) {
    segment.decisions[index] = { outcome: 'ok' };
    return;
  }
  segment.decisions[index] = {
    outcome: 'changed',
    ...(segment.options.checkOnly
      ? { detail: wouldDo(current === undefined ? 'would create' : 'would update', action) }
      : {}),
  };
  noteChange(segment, index, action);
  segment.pending.push({
    type: 'write',
    index,
    write: { path: action.path, content: wanted, ...options, backupSuffix: backupSuffix() },
  });
  // Later actions on the same file see what this one will have written.
  segment.files.set(action.path, {
    state: 'file',
    content: wanted,
    mode: options.mode ?? (fact.state === 'file' ? fact.mode : '0644'),
    owner: options.owner ?? (fact.state === 'file' ? fact.owner : ''),
    group: options.group ?? (fact.state === 'file' ? fact.group : ''),
  });
}

/** What check mode says an action would do, with the notification its change would leave. */
function wouldDo(what: string, action: BuiltinAction): string {
  return action.notifies ? `${what}; notifies ${action.notifies}` : what;
}

function describeCheck(action: BuiltinAction): string {
  return `the check of ${action.kind === 'command' ? action.description : action.kind}`;
}

function readFacts(host: RemoteHost, paths: readonly string[], result: CommandResult): Map<string, FileFact> {
  if (result.code !== 0)
    throw new StepFailure(
      `cannot read the files of this step on ${host.label} (exit ${result.code}): ${tail(result.stderr, 3)}`,
    );
  try {
    return parseFiles(paths, result.stdoutBytes);
  } catch (error) {
    throw new StepFailure(`cannot read the files of this step on ${host.label}: ${(error as Error).message}`);
  }
}

/** Runs pending changes as one batch: adjacent file writes (and markers) as one command each group. */
async function applyChanges(
  host: RemoteHost,
  changes: Change[],
  actions: readonly BuiltinAction[],
  decisions: Decision[],
  options: SegmentOptions,
  done: Change[],
): Promise<void> {
  const calls: RemoteCall[] = [];
  const groups: Change[][] = [];
  for (const change of changes) {
    const last = groups[groups.length - 1];
    const isWrite = change.type === 'write' || change.type === 'marker';
    if (isWrite && last && (last[0].type === 'write' || last[0].type === 'marker')) last.push(change);
    else groups.push([change]);
  }
  for (const group of groups) {
    const first = group[0];
    if (first.type === 'write' || first.type === 'marker') {
      const writes = group.map((c) => (c as { write: FileWrite }).write);
      calls.push({
        ...writeFilesCall(writes, host.config.keepBackups),
        mustSucceed: true,
        what: `writing ${writes.map((w) => w.path).join(', ')}`,
      });
    } else if (first.type === 'run') {
      calls.push({ command: first.action.run, mustSucceed: true, what: first.action.description });
    }
  }
  const results = await host.batch(calls);
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g];
    const result = results[g];
    const first = group[0];
    if (first.type === 'write' || first.type === 'marker') {
      const writes = group.map((c) => (c as { write: FileWrite }).write);
      const backups = parseWrittenFiles(writes, result.code === 0 ? result.stdout : '');
      group.forEach((change, k) => {
        if (change.type === 'write' && backups[k])
          decisions[change.index].detail = `previous content kept in ${backups[k]}`;
      });
      if (result.code !== 0) {
        const written = result.stdout.split('\n').filter(Boolean).length;
        const failed = group[Math.min(written, group.length - 1)];
        const path = (failed as { write: FileWrite }).write.path;
        throw asActionFailure(
          new StepFailure(`writing ${path} failed on ${host.label} (exit ${result.code})${detailOf(result)}`),
          failed.index,
          decisions,
          actions,
          options,
        );
      }
    } else if (result.code !== 0) {
      throw asActionFailure(
        new StepFailure(
          `${first.action.description} failed on ${host.label} (exit ${result.code})${detailOf(result)}`,
        ),
        first.index,
        decisions,
        actions,
        options,
      );
    }
    done.push(...group);
  }
}

function detailOf(result: CommandResult): string {
  const detail = tail(result.stderr || result.stdout);
  return detail ? `:\n${detail}` : '.';
}

async function verify(
  host: RemoteHost,
  done: readonly Change[],
  clears: readonly MarkerClear[],
  actions: readonly BuiltinAction[],
  decisions: Decision[],
  options: SegmentOptions,
): Promise<void> {
  const written = new Map<string, { content: string; index: number }>();
  for (const c of done)
    // Built-in actions write text only.
    if (c.type === 'write') written.set(c.write.path, { content: String(c.write.content), index: c.index });
  const verifies = done.filter(
    (c): c is Extract<Change, { type: 'run' }> =>
      c.type === 'run' && (c.action.verify ?? c.action.check) !== undefined,
  );
  const paths = [...written.keys()];
  if (paths.length === 0 && verifies.length === 0 && clears.length === 0) return;
  // Verifications must pass for the markers after them to be cleared: a failure skips the rest.
  const results = await host.batch([
    ...(paths.length > 0
      ? [{ command: readFilesCommand(paths), what: 'reading back the files just written' }]
      : []),
    ...verifies.map((c) => ({
      command: (c.action.verify ?? c.action.check)!,
      what: `the verification of ${c.action.description}`,
      mustSucceed: true,
    })),
    ...clears.map((c) => ({
      command: { argv: ['rm', '-f', '--', c.path] },
      mustSucceed: true,
      what: `clearing ${c.path}`,
    })),
  ]);
  if (paths.length > 0) {
    const facts = readFacts(host, paths, results[0]);
    for (const [path, { content, index }] of written) {
      const fact = facts.get(path)!;
      if (fact.state !== 'file' || fact.content !== content)
        throw asActionFailure(
          new StepFailure(
            `${path} on ${host.label} does not hold the content just written; something else is changing it.`,
          ),
          index,
          decisions,
          actions,
          options,
        );
    }
  }
  verifies.forEach((c, k) => {
    const result = results[(paths.length > 0 ? 1 : 0) + k];
    if (result.code !== 0) {
      const detail = tail(result.stderr || result.stdout, 5);
      throw asActionFailure(
        new StepFailure(
          `${c.action.description} on ${host.label} ran, but its verification still fails (exit ${result.code})${detail ? `:\n${detail}` : '.'}`,
        ),
        c.index,
        decisions,
        actions,
        options,
      );
    }
  });
  clears.forEach((c, k) => {
    const result = results[(paths.length > 0 ? 1 : 0) + verifies.length + k];
    if (result.code !== 0)
      throw asActionFailure(
        new StepFailure(
          `clearing ${c.path} failed on ${host.label} (exit ${result.code})${detailOf(result)}`,
        ),
        c.index,
        decisions,
        actions,
        options,
      );
  });
}

function reports(
  decisions: readonly Decision[],
  actions: readonly BuiltinAction[],
  options: SegmentOptions,
): ActionReport[] {
  return decisions.map((d, i) => ({
    action: options.describe(actions[i]),
    outcome: d.outcome,
    ...(d.detail ? { detail: d.detail } : {}),
  }));
}

function asActionFailure(
  error: unknown,
  index: number,
  decisions: readonly Decision[],
  actions: readonly BuiltinAction[],
  options: SegmentOptions,
): unknown {
  if (error instanceof ActionFailure || !(error instanceof StepFailure)) return error;
  return new ActionFailure(error.message, index, reports(decisions.slice(0, index), actions, options));
}
