import type { RemoteCommand } from '../actions';
import {
  MISSING_FILE_STATUS,
  READ_FILE_SCRIPT,
  REMOVE_BACKUPS_SCRIPT,
  renderPosixArgv,
  renderPosixCommand,
  shellScript,
  STAT_SCRIPT,
} from '../dialect/posix';
import {
  ATOMIC_WRITE_PS,
  bindPowerShellVariables,
  READ_FILE_PS,
  REMOVE_FILE_PS,
} from '../dialect/powershell';
import { StepFailure } from '../errors';
import { writeFilesCall } from '../facts/files';
import { HostConfig, hostLabel } from '../schema/host';
import type { Duplex } from 'node:stream';
import { WINDOWS_STEP_LOCK } from './powershell-session';
import type { AgentRequest, AgentResponse, CommandBatcher } from './shell-agent';
import type { ExecOptions, ExecResult } from './ssh-session';

/** Anything that runs a command line on a host: an SSH session, or a local shell in tests. */
export interface CommandExecutor {
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  /**
   * The persistent shell of the host, when the executor has one: commands in batches. On a POSIX
   * host the shell agent (`sh`), on a Windows host the PowerShell session; a Windows host is
   * reached only through it.
   */
  agent?(): Promise<CommandBatcher>;
  /** A TCP stream opened from the host to an address it can reach, when the executor can tunnel. */
  forward?(address: string, port: number): Promise<Duplex>;
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  /** stdout as the host sent it: for output framed by byte counts, which decoding would shift. */
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
  /** Not run: an earlier command of its batch that had to succeed failed. */
  readonly skipped?: boolean;
}

/** A command of a batch that did not run. */
const SKIPPED: CommandResult = {
  code: null,
  stdout: '',
  stdoutBytes: Buffer.alloc(0),
  stderr: '',
  skipped: true,
};

/** One command of a batch. */
export interface RemoteCall {
  readonly command: RemoteCommand;
  /** Standard input: how a secret or a file's bytes reach the host, never through the command line. */
  readonly stdin?: string | Buffer;
  /**
   * The longest this command may run, when it needs longer than the host's
   * `commandTimeoutSeconds` (an installer).
   * @default the host's commandTimeoutSeconds
   */
  readonly timeoutSeconds?: number;
  /** When it fails, the rest of the batch is skipped (POSIX hosts; elsewhere the batch stops). */
  readonly mustSucceed?: boolean;
  /** Names the command in a timeout message. */
  readonly what?: string;
}

/** What a step cost in remote traffic: round trips (network waits) and commands run on hosts. */
export class Traffic {
  roundTrips = 0;
  remoteCommands = 0;
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

let lastBackupTime = 0;

/**
 * `.cdktf-failover-backup-20261122T030405123Z`: sortable. Never the same twice in a run (a step
 * that edits a file twice in one millisecond gets the next millisecond), so backups keep this form;
 * WRITE_FILES_SCRIPT still never overwrites one, whoever else writes the file.
 */
export function backupSuffix(now = new Date()): string {
  lastBackupTime = Math.max(now.getTime(), lastBackupTime + 1);
  return `.cdktf-failover-backup-${new Date(lastBackupTime).toISOString().replace(/[-:.]/g, '')}`;
}

/** How long a step waits for another step on the same host before it fails. */
export const HOST_LOCK_WAIT_SECONDS = 900;

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
    public readonly traffic = new Traffic(),
  ) {}

  get label(): string {
    return hostLabel(this.config);
  }

  get isWindows(): boolean {
    return this.config.os === 'windows';
  }

  /** Runs a command in the host's dialect; a non-zero exit is returned, not thrown. */
  async run(command: RemoteCommand, stdin?: string | Buffer): Promise<CommandResult> {
    const [result] = await this.batch([{ command, ...(stdin !== undefined ? { stdin } : {}) }]);
    return result;
  }

  /**
   * Takes this host's step lock with the next batch (no round trip of its own) and holds it until
   * the connection closes: one step at a time changes a host, whichever stack or runner started
   * it, so two steps that edit one file cannot both read it before either writes it. A POSIX
   * host's persistent shell holds the lock (flock on `<state folder>/host.lock`, or the login's own
   * lock in its home when it may not write there); the commands it runs never inherit it, so a
   * daemon one of them starts cannot keep it. A Windows host's PowerShell session holds a named
   * mutex (WINDOWS_STEP_LOCK), which Windows releases when the session ends however it ends.
   */
  holdLock(waitSeconds = HOST_LOCK_WAIT_SECONDS): void {
    if (!this.lockTaken) this.lockWait = waitSeconds;
  }

  private lockWait: number | undefined;
  private lockTaken = false;

  /** The lock request that goes first in the next batch, when one is due. */
  private takeLockRequest(): AgentRequest | undefined {
    if (this.lockWait === undefined) return undefined;
    const command = this.isWindows ? WINDOWS_STEP_LOCK : `${this.stateDirectory}/host.lock`;
    return { command, timeoutSeconds: this.lockWait, lock: true };
  }

  private lockRefused(response: AgentResponse, request: AgentRequest): StepFailure {
    const why = response.stderr.toString('utf8').trim();
    return new StepFailure(
      why
        ? `${this.label}: cannot take the host's step lock ${request.command}: ${why}; nothing was changed.`
        : `${this.label}: another cdktf-failover step held the host's step lock (${request.command}) for ${request.timeoutSeconds} s; nothing was changed. Deploy again once it is done${this.isWindows ? '' : ` (the process holding it: fuser -v ${request.command})`}.`,
    );
  }

  /**
   * Runs commands in order. Through the host's persistent shell they travel together: one round
   * trip for the whole batch. Without one (a POSIX executor in tests), one round trip each.
   */
  async batch(calls: readonly RemoteCall[]): Promise<CommandResult[]> {
    if (calls.length === 0) return [];
    const agent = this.executor.agent ? await this.executor.agent() : undefined;
    if (!agent && this.isWindows)
      throw new Error(`${this.label}: a Windows host is reached only through its PowerShell session`);
    return agent ? this.batchThroughAgent(agent, calls) : this.batchOneByOne(calls);
  }

  private async batchThroughAgent(
    agent: CommandBatcher,
    calls: readonly RemoteCall[],
  ): Promise<CommandResult[]> {
    const timeoutOf = (call: RemoteCall) => call.timeoutSeconds ?? this.config.commandTimeoutSeconds;
    const requests: AgentRequest[] = calls.map((call) => ({
      command: this.renderForAgent(call.command),
      ...(call.stdin !== undefined ? { stdin: call.stdin } : {}),
      timeoutSeconds: timeoutOf(call),
      mustSucceed: call.mustSucceed ?? false,
    }));
    const lock = this.takeLockRequest();
    this.traffic.roundTrips += 1;
    this.traffic.remoteCommands += calls.length;
    // The agent enforces each command's timeout; this bound only catches a shell that stopped answering.
    const localTimeoutMs =
      (calls.reduce((sum, call) => sum + timeoutOf(call), 0) + (lock?.timeoutSeconds ?? 0) + 30) * 1000;
    let responses;
    try {
      responses = await agent.batch(lock ? [lock, ...requests] : requests, localTimeoutMs);
    } catch (error) {
      throw new StepFailure(
        `${this.label}: the connection was lost during the step (${(error as Error).message}); a command that was running may still finish on the host. Deploy again: every step checks the host before it changes anything.`,
      );
    }
    if (lock) {
      // Refused, the agent skipped the rest of the batch: nothing ran.
      const [locked] = responses.splice(0, 1);
      if (locked.status !== 0) throw this.lockRefused(locked, lock);
      this.lockWait = undefined;
      this.lockTaken = true;
    }
    return responses.map((response, i) => {
      if (response.status === 'timeout') {
        throw new StepFailure(
          `${this.label}: ${calls[i].what ?? 'a remote command'} did not finish within ${timeoutOf(calls[i])} s; ${this.isWindows ? 'it was stopped, with every process it started' : 'its whole process group on the host was killed'}.`,
        );
      }
      if (response.status === 'skipped') return SKIPPED;
      return {
        code: response.status,
        stdout: response.stdout.toString('utf8'),
        stdoutBytes: response.stdout,
        stderr: response.stderr.toString('utf8'),
      };
    });
  }

  private async batchOneByOne(calls: readonly RemoteCall[]): Promise<CommandResult[]> {
    const results: CommandResult[] = [];
    let stopped = false;
    for (const call of calls) {
      if (stopped) {
        results.push(SKIPPED);
        continue;
      }
      this.traffic.roundTrips += 1;
      this.traffic.remoteCommands += 1;
      const timeoutSeconds = call.timeoutSeconds ?? this.config.commandTimeoutSeconds;
      const result = await this.executor.exec(this.render(call.command), {
        timeoutMs: timeoutSeconds * 1000,
        ...(call.stdin !== undefined ? { stdin: call.stdin } : {}),
      });
      if (result.code === null) {
        throw new StepFailure(
          `${this.label}: a remote command ended without an exit status${result.signal ? ` (signal ${result.signal})` : ''}.`,
        );
      }
      results.push({
        code: result.code,
        stdout: result.stdout.toString('utf8'),
        stdoutBytes: result.stdout,
        stderr: result.stderr.toString('utf8'),
      });
      if (call.mustSucceed && result.code !== 0) stopped = true;
    }
    return results;
  }

  /**
   * Runs a command on a channel of its own, beside the persistent shell: for a command that must
   * keep running while others run on the same host (a lock holder while its peer tries the lock).
   * One round trip; its timeout is the connection's, and it is abandoned, not killed, when it passes.
   */
  async runAlongside(command: RemoteCommand, stdin?: string): Promise<CommandResult> {
    const [result] = await this.batchOneByOne([{ command, ...(stdin !== undefined ? { stdin } : {}) }]);
    return result;
  }

  /**
   * A TCP stream from this host to `address:port` through the SSH connection: how the runner
   * speaks to a service that listens only where the host can reach it (an HTTP API on the host's
   * loopback, a TLS endpoint), with no client program needed on the host.
   */
  async openTunnel(address: string, port: number): Promise<Duplex> {
    if (!this.executor.forward)
      throw new StepFailure(`${this.label}: this connection cannot open a tunnel to ${address}:${port}`);
    try {
      return await this.executor.forward(address, port);
    } catch (error) {
      throw new StepFailure(
        `${this.label}: cannot open a tunnel to ${address}:${port} (${(error as Error).message}); the SSH server must allow TCP forwarding (AllowTcpForwarding yes)`,
      );
    }
  }

  /**
   * The persistent shell already runs as the right user with LC_ALL=C: the argv alone. The
   * PowerShell session gets the script with its values bound.
   */
  private renderForAgent(command: RemoteCommand): string {
    if ('argv' in command) {
      if (this.isWindows) throw new Error(`${this.label} is a Windows host; this step gave a POSIX command`);
      return renderPosixArgv(command.argv);
    }
    if (!this.isWindows)
      throw new Error(`${this.label} is a Linux host; this step gave a PowerShell command`);
    return bindPowerShellVariables(command.powershell, command.vars);
  }

  /** Runs a command that must succeed; a failure names what was attempted and the tail of stderr. */
  async runOrFail(command: RemoteCommand, what: string, stdin?: string | Buffer): Promise<CommandResult> {
    return this.succeeded(await this.run(command, stdin), what);
  }

  /** The result when it succeeded; else the StepFailure naming what failed, the host and the output. */
  private succeeded(result: CommandResult, what: string): CommandResult {
    if (result.code !== 0) {
      const detail = tail(result.stderr || result.stdout);
      throw new StepFailure(
        `${what} failed on ${this.label} (exit ${result.code})${detail ? `:\n${detail}` : '.'}`,
      );
    }
    return result;
  }

  /** A POSIX command line of its own (a channel of its own, not the persistent shell). */
  render(command: RemoteCommand): string {
    if (!('argv' in command) || this.isWindows)
      throw new Error(`${this.label}: only a POSIX host runs a command on a channel of its own`);
    return renderPosixCommand(command.argv, this.config.sudo);
  }

  /** The file's content, or undefined when it does not exist. */
  async readFile(path: string): Promise<string | undefined> {
    const [result] = await this.batch([this.readFileCall(path)]);
    return this.fileContent(path, result);
  }

  /** The call that reads a whole file, to send in a batch with others; fileContent reads its result. */
  readFileCall(path: string): RemoteCall {
    return {
      command: this.isWindows
        ? { powershell: READ_FILE_PS, vars: { path } }
        : { argv: shellScript(READ_FILE_SCRIPT, path) },
    };
  }

  /** What a readFileCall found: the content, or undefined when the file does not exist. */
  fileContent(path: string, result: CommandResult): string | undefined {
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
    const fields = /^(\d+)\n([^\n]+)\n([^\n]+)\n$/.exec(result.stdout);
    if (!fields)
      throw new StepFailure(
        `cannot stat ${path} on ${this.label}: unexpected output ${JSON.stringify(result.stdout)}`,
      );
    return { mode: fields[1].padStart(4, '0'), owner: fields[2], group: fields[3] };
  }

  /**
   * Replaces the file atomically, keeping the previous content as a timestamped backup beside it.
   * Returns the backup's path when there was a previous file.
   */
  async writeFile(
    path: string,
    content: string | Buffer,
    options: WriteOptions = {},
  ): Promise<string | undefined> {
    const suffix = backupSuffix();
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const result = this.isWindows
      ? await this.runOrFail(
          {
            powershell: ATOMIC_WRITE_PS,
            vars: { path, suffix, keep: String(this.config.keepBackups), length: String(bytes.length) },
          },
          `writing ${path}`,
          bytes,
        )
      : await this.runOrFail(
          writeFilesCall([{ path, content, ...options, backupSuffix: suffix }], this.config.keepBackups)
            .command,
          `writing ${path}`,
          content,
        );
    const backup = result.stdout.trim();
    return backup === '' || backup === '-' ? undefined : backup;
  }

  markerPath(name: string): string {
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
      // The marker and its backups in one round trip; a backup left behind is harmless.
      const [removed] = await this.batch([
        { command: { argv: ['rm', '-f', '--', path] }, what: `clearing ${path}`, mustSucceed: true },
        { command: { argv: shellScript(REMOVE_BACKUPS_SCRIPT, path) } },
      ]);
      this.succeeded(removed, `clearing ${path}`);
    }
  }
}
