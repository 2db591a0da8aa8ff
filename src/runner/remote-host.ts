import type { RemoteCommand } from '../actions';
import {
  ATOMIC_WRITE_SCRIPT,
  MISSING_FILE_STATUS,
  READ_FILE_SCRIPT,
  renderPosixCommand,
  shellScript,
  STAT_SCRIPT,
} from '../dialect/posix';
import {
  ATOMIC_WRITE_PS,
  READ_FILE_PS,
  REMOVE_FILE_PS,
  renderPowerShellCommand,
} from '../dialect/powershell';
import { StepFailure } from '../errors';
import { HostConfig, hostLabel } from '../schema/host';
import type { ExecOptions, ExecResult } from './ssh-session';

/** Anything that runs a command line on a host: an SSH session, or a local shell in tests. */
export interface CommandExecutor {
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface FileMeta {
  readonly mode: string;
  readonly owner: string;
  readonly group: string;
}

export interface WriteOptions {
  readonly mode?: string;
  readonly owner?: string;
  readonly group?: string;
}

/** The last lines of a command's error output: enough to act on, short enough to read. */
export function tail(text: string, lines = 8): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/** `.cdktf-failover-backup-20261122T030405123Z`: sortable, and unique per write. */
export function backupSuffix(now = new Date()): string {
  return `.cdktf-failover-backup-${now.toISOString().replace(/[-:.]/g, '')}`;
}

const MARKER_NAME = /^[a-z0-9][a-z0-9.-]{0,62}$/;

/**
 * A host as the step kinds see it: commands in its own dialect, whole-file reads, atomic writes
 * with backups, and pending-notification markers that survive a failed run.
 */
export class RemoteHost {
  constructor(
    public readonly config: HostConfig,
    private readonly executor: CommandExecutor,
    /** Where pending notifications live on a Linux host. */
    private readonly stateDirectory = '/var/lib/cdktf-failover',
  ) {}

  get label(): string {
    return hostLabel(this.config);
  }

  get isWindows(): boolean {
    return this.config.os === 'windows';
  }

  /** Runs a command in the host's dialect; a non-zero exit is returned, not thrown. */
  async run(command: RemoteCommand, stdin?: string): Promise<CommandResult> {
    const line = this.render(command);
    const result = await this.executor.exec(line, {
      timeoutMs: this.config.commandTimeoutSeconds * 1000,
      ...(stdin !== undefined ? { stdin } : {}),
    });
    if (result.code === null) {
      throw new StepFailure(
        `${this.label}: a remote command ended without an exit status${result.signal ? ` (signal ${result.signal})` : ''}.`,
      );
    }
    return {
      code: result.code,
      stdout: result.stdout.toString('utf8'),
      stderr: result.stderr.toString('utf8'),
    };
  }

  /** Runs a command that must succeed; a failure names what was attempted and the tail of stderr. */
  async runOrFail(command: RemoteCommand, what: string, stdin?: string): Promise<CommandResult> {
    const result = await this.run(command, stdin);
    if (result.code !== 0) {
      const detail = tail(result.stderr || result.stdout);
      throw new StepFailure(
        `${what} failed on ${this.label} (exit ${result.code})${detail ? `:\n${detail}` : '.'}`,
      );
    }
    return result;
  }

  render(command: RemoteCommand): string {
    if ('argv' in command) {
      if (this.isWindows) throw new Error(`${this.label} is a Windows host; this step gave a POSIX command`);
      return renderPosixCommand(command.argv, this.config.sudo);
    }
    if (!this.isWindows)
      throw new Error(`${this.label} is a Linux host; this step gave a PowerShell command`);
    return renderPowerShellCommand(command.powershell, command.vars);
  }

  /** The file's content, or undefined when it does not exist. */
  async readFile(path: string): Promise<string | undefined> {
    const result = this.isWindows
      ? await this.run({ powershell: READ_FILE_PS, vars: { path } })
      : await this.run({ argv: shellScript(READ_FILE_SCRIPT, path) });
    if (result.code === MISSING_FILE_STATUS) return undefined;
    if (result.code !== 0) {
      throw new StepFailure(
        `cannot read ${path} on ${this.label} (exit ${result.code}): ${tail(result.stderr, 3)}`,
      );
    }
    return this.isWindows ? Buffer.from(result.stdout.trim(), 'base64').toString('utf8') : result.stdout;
  }

  /** Mode, owner and group of a POSIX file, or undefined when it does not exist. */
  async fileMeta(path: string): Promise<FileMeta | undefined> {
    const result = await this.run({ argv: shellScript(STAT_SCRIPT, path) });
    if (result.code === MISSING_FILE_STATUS) return undefined;
    if (result.code !== 0)
      throw new StepFailure(`cannot stat ${path} on ${this.label}: ${tail(result.stderr, 3)}`);
    const [mode, owner, group] = result.stdout.trim().split(' ');
    return { mode: mode.padStart(4, '0'), owner, group };
  }

  /**
   * Replaces the file atomically, keeping the previous content as a timestamped backup beside it.
   * Returns the backup's path when there was a previous file.
   */
  async writeFile(path: string, content: string, options: WriteOptions = {}): Promise<string | undefined> {
    const suffix = backupSuffix();
    const result = this.isWindows
      ? await this.runOrFail(
          {
            powershell: ATOMIC_WRITE_PS,
            vars: { path, suffix, content64: Buffer.from(content, 'utf8').toString('base64') },
          },
          `writing ${path}`,
        )
      : await this.runOrFail(
          {
            argv: shellScript(
              ATOMIC_WRITE_SCRIPT,
              path,
              options.mode ?? '',
              options.owner ?? '',
              options.group ?? '',
              suffix,
            ),
          },
          `writing ${path}`,
          content,
        );
    const backup = result.stdout.trim();
    return backup === '' ? undefined : backup;
  }

  private markerPath(name: string): string {
    if (!MARKER_NAME.test(name)) throw new Error(`notification name "${name}" must match ${MARKER_NAME}`);
    return this.isWindows
      ? `C:\\ProgramData\\cdktf-failover\\pending\\${name}`
      : `${this.stateDirectory}/pending/${name}`;
  }

  async isPending(name: string): Promise<boolean> {
    return (await this.readFile(this.markerPath(name))) !== undefined;
  }

  async setPending(name: string, reason: string): Promise<void> {
    await this.writeFile(this.markerPath(name), `${reason}\n`);
  }

  async clearPending(name: string): Promise<void> {
    const path = this.markerPath(name);
    if (this.isWindows) {
      await this.runOrFail(
        {
          powershell: REMOVE_FILE_PS,
          vars: { path },
        },
        `clearing ${path}`,
      );
    } else {
      await this.runOrFail({ argv: ['rm', '-f', '--', path] }, `clearing ${path}`);
      await this.run({ argv: shellScript('rm -f -- "$1".cdktf-failover-backup-*', path) });
    }
  }
}
