import type { CommandAction, ConfigAction, FileAction, LineAction } from '../actions';
import { setIniValues } from '../edit/ini';
import { editLines } from '../edit/lines';
import { parseXmlKey, setXmlValues } from '../edit/xml';
import { setYamlValues } from '../edit/yaml';
import { StepFailure } from '../errors';
import type { ActionContext, ActionHandler, ActionResult } from './action-handler';
import type { HandlerMap } from './action-registry';
import { FileMeta, tail, WriteOptions as FileOptions } from './remote-host';

/**
 * The shared shape of every file edit: read, compute the wanted content with a pure function,
 * write atomically only when it differs, read back to verify.
 */
async function ensureContent(
  context: ActionContext,
  path: string,
  want: (current: string | undefined) => string,
  options: FileOptions = {},
): Promise<ActionResult> {
  const { host } = context;
  const current = await host.readFile(path);
  const wanted = want(current);
  const meta = host.isWindows || current === undefined ? undefined : await host.fileMeta(path);
  if (current === wanted && !(meta && metaDiffers(meta, options))) return { changed: false };
  if (context.checkOnly)
    return { changed: true, detail: current === undefined ? 'would create' : 'would update' };
  await context.aboutToChange();
  const backup = await host.writeFile(path, wanted, options);
  const after = await host.readFile(path);
  if (after !== wanted)
    throw new StepFailure(
      `${path} on ${host.label} does not hold the content just written; something else is changing it.`,
    );
  return { changed: true, ...(backup ? { detail: `previous content kept in ${backup}` } : {}) };
}

/** The mode, owner and group a file action asks for (only those it gives). */
export function fileOptions(action: FileAction): FileOptions {
  return {
    ...(action.mode ? { mode: action.mode } : {}),
    ...(action.owner ? { owner: action.owner } : {}),
    ...(action.group ? { group: action.group } : {}),
  };
}

/** Whether a file's mode, owner or group differs from what is asked (what is not asked never differs). */
export function metaDiffers(meta: FileMeta, options: FileOptions): boolean {
  return (
    (options.mode !== undefined && meta.mode !== options.mode.padStart(4, '0')) ||
    (options.owner !== undefined && meta.owner !== options.owner) ||
    (options.group !== undefined && meta.group !== options.group)
  );
}

const file: ActionHandler<FileAction> = (action, context) =>
  ensureContent(context, action.path, () => action.content, fileOptions(action));

/**
 * What a file-type action wants the file to hold, given what it holds now (undefined: missing).
 * Pure: the batched path and the one-command-at-a-time path both decide with it.
 */
export function wantedContent(
  action: FileAction | ConfigAction | LineAction,
  current: string | undefined,
  hostLabel: string,
): string {
  switch (action.kind) {
    case 'file':
      return action.content;
    case 'line':
      if (current === undefined && action.create === false) {
        throw new StepFailure(`${action.path} does not exist on ${hostLabel}.`);
      }
      return editLines(current, action);
    case 'config':
      return editConfig(action, current, hostLabel);
  }
}

function editConfig(action: ConfigAction, current: string | undefined, hostLabel: string): string {
  if (current === undefined && !action.createIfMissing) {
    throw new StepFailure(
      `${action.path} does not exist on ${hostLabel}; it should have come with the software that owns it (set createIfMissing: true to create it).`,
    );
  }
  if (current === undefined) current = emptyConfig(action);
  try {
    switch (action.format) {
      case 'yaml':
        return setYamlValues(current!, action.settings);
      case 'xml':
        return setXmlValues(
          current!,
          action.settings.map((s) => ({ key: s.key, value: String(s.value) })),
        );
      case 'ini':
        return setIniValues(
          current,
          action.settings.map((s) => ({ key: s.key, value: String(s.value) })),
        );
    }
  } catch (error) {
    if (error instanceof StepFailure) throw error;
    throw new StepFailure(
      `cannot edit ${action.path} on ${hostLabel}: ${(error as Error).message}. The file was left as it was.`,
    );
  }
}

/** What a created file starts as: nothing, or for XML the root element the keys name. */
function emptyConfig(action: ConfigAction): string {
  if (action.format !== 'xml') return '';
  return `<${parseXmlKey(action.settings[0].key).steps[0].name}/>\n`;
}

const config: ActionHandler<ConfigAction> = (action, context) =>
  ensureContent(context, action.path, (current) => wantedContent(action, current, context.host.label));

const line: ActionHandler<LineAction> = (action, context) =>
  ensureContent(context, action.path, (current) => wantedContent(action, current, context.host.label));

const command: ActionHandler<CommandAction> = async (action, context) => {
  const { host } = context;
  if (action.whenNotified && !(await host.isPending(action.whenNotified))) return { changed: false };
  // A pending notification is the reason to run, so its check is not asked first; it still verifies.
  if (!action.whenNotified && action.check && (await host.run(action.check)).code === 0)
    return { changed: false };
  if (context.checkOnly) return { changed: true, detail: 'would run' };
  await context.aboutToChange();
  await host.runOrFail(action.run, action.description);
  const verify = action.verify ?? action.check;
  if (verify) {
    const result = await host.run(verify);
    if (result.code !== 0) {
      const detail = tail(result.stderr || result.stdout, 5);
      throw new StepFailure(
        `${action.description} on ${host.label} ran, but its verification still fails (exit ${result.code})${detail ? `:\n${detail}` : '.'}`,
      );
    }
  }
  if (action.whenNotified) await host.clearPending(action.whenNotified);
  return { changed: true };
};

/** The built-in kinds, one at a time: Windows hosts (POSIX hosts batch them, see builtin-batch.ts). */
export const BUILTIN_ACTIONS: HandlerMap<FileAction | ConfigAction | LineAction | CommandAction> = {
  file,
  config,
  line,
  command,
};
