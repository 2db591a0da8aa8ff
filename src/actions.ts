/**
 * The actions a step carries out on its host, in order. Each is plain JSON: it travels inside the
 * step spec in the Terraform configuration and is executed by the runner as check → apply → verify.
 */

/**
 * A remote command. POSIX hosts take an argv, each element quoted by the POSIX dialect. Windows
 * hosts take a fixed PowerShell script; user values go in `vars`, bound as quoted `$name` variables
 * before the script, so no value is ever spliced into code.
 */
export type RemoteCommand = { readonly argv: readonly string[] } | PowerShellCommand;

export interface PowerShellCommand {
  readonly powershell: string;
  readonly vars?: Readonly<Record<string, string>>;
}

/** Fields every action may carry. */
interface ActionBase {
  /**
   * When this action changes something, leave a persistent marker with this name on the host, so a
   * later `command` with the same `whenNotified` runs, even if a step in between fails and the run
   * is retried tomorrow.
   */
  readonly notifies?: string;
}

/** The file has exactly this content (and mode/owner when given). */
export interface FileAction extends ActionBase {
  readonly kind: 'file';
  readonly path: string;
  readonly content: string;
  /** Octal mode such as "0644". */
  readonly mode?: string;
  readonly owner?: string;
  readonly group?: string;
}

export type ConfigValue = string | number | boolean | readonly string[];

export interface ConfigSetting {
  /**
   * yaml: `seed_provider[0].parameters[0].seeds`; ini: `section.key` or `key` before any section;
   * xml: `DataMiner@id` (attribute) or `DataBases/DataBase[2]/DBServer` (element text).
   */
  readonly key: string;
  readonly value: ConfigValue;
}

/** The structured file holds these values; every other byte of it stays as it was. */
export interface ConfigAction extends ActionBase {
  readonly kind: 'config';
  readonly format: 'yaml' | 'ini' | 'xml';
  readonly path: string;
  readonly settings: readonly ConfigSetting[];
  /**
   * When the file does not exist: create it (an empty INI or YAML file, or an XML file holding
   * the keys' root element) instead of failing. Off by default for every format: a configuration
   * file normally comes with the software that reads it, and its absence means that software is
   * missing.
   * @default false
   */
  readonly createIfMissing?: boolean;
}

/** A line-based file contains (or lacks) a line; other lines are kept byte for byte. */
export interface LineAction extends ActionBase {
  readonly kind: 'line';
  readonly path: string;
  readonly line: string;
  /**
   * A regular expression selecting the line this one replaces (or, with `absent`, the lines to remove).
   * @default the line itself
   */
  readonly match?: string;
  /** @default "present" */
  readonly state?: 'present' | 'absent';
  /** Create the file (mode 0644) when it does not exist. @default true */
  readonly create?: boolean;
}

/** Run a command unless a check says the host is already as wanted; then verify. */
export interface CommandAction extends ActionBase {
  readonly kind: 'command';
  /** What the command achieves, for progress lines: "mount /srv/shared". */
  readonly description: string;
  /** Exit status 0 means the host is already as wanted and `run` is skipped. */
  readonly check?: RemoteCommand;
  readonly run: RemoteCommand;
  /** Exit status 0 confirms the result; anything else fails the step. @default check, when given */
  readonly verify?: RemoteCommand;
  /**
   * Run only when a marker of this name is pending on the host (see `notifies`), then clear it.
   * `check` is then not consulted before running (the marker says it is due); it still verifies.
   */
  readonly whenNotified?: string;
}

/**
 * An action kind contributed by a construct (named `<construct>.<action>`). The runner looks its
 * handler up in the registry it was bundled with.
 */
export interface CustomAction extends ActionBase {
  readonly kind: `${string}.${string}`;
  readonly [param: string]: unknown;
}

export type Action = FileAction | ConfigAction | LineAction | CommandAction | CustomAction;
