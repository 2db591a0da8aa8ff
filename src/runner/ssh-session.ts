import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Client, ConnectConfig } from 'ssh2';
import { StepFailure } from '../errors';
import { HostConfig, hostLabel } from '../schema/host';
import { resolveCredentials } from './credentials';
import { quotePosix } from '../dialect/posix';
import { SESSION_COMMAND_LINE, SESSION_FRAME } from './powershell-session';
import { AGENT_SCRIPT, ShellAgent } from './shell-agent';

export interface ExecResult {
  readonly code: number | null;
  readonly signal?: string;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly durationMs: number;
}

export interface ExecOptions {
  readonly stdin?: string | Buffer;
  readonly timeoutMs: number;
}

/** The fingerprint form `ssh-keygen -lf` prints, from a raw host key blob. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Errors worth another attempt: the host may still be booting or sshd restarting. */
const RETRYABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|Timed out while waiting for handshake|Connection lost before handshake/;

class HostKeyMismatch extends StepFailure {}

/** An authenticated SSH connection to one host, opened with its pinned host key. */
export class SshSession {
  private agentStarted: Promise<ShellAgent> | undefined;

  private constructor(
    private readonly connection: WatchedClient,
    public readonly host: HostConfig,
    private readonly via?: SshSession,
  ) {}

  private get client(): Client {
    return this.connection.client;
  }

  /** Why the connection failed after it was ready, as a step failure; undefined while it is sound. */
  private lost(): StepFailure | undefined {
    const error = this.connection.lateError;
    return error
      ? new StepFailure(`${hostLabel(this.host)}: the SSH connection failed: ${error.message}`)
      : undefined;
  }

  /**
   * Connects, through the bastion when the host has one. Retries refused or timed-out connections
   * with backoff until `connectTimeoutSeconds` have passed; a wrong host key or rejected
   * credentials fail at once, since waiting cannot fix them.
   */
  static async open(host: HostConfig, env = process.env): Promise<SshSession> {
    const via = host.bastion ? await SshSession.open(host.bastion, env) : undefined;
    const label = hostLabel(host);
    const started = Date.now();
    const deadline = started + host.connectTimeoutSeconds * 1000;
    let attempt = 0;
    let delayMs = 250;
    for (;;) {
      attempt += 1;
      try {
        const remainingMs = Math.max(1000, deadline - Date.now());
        const connection = await connectOnce(new Client(), host, env, Math.min(remainingMs, 15000), via);
        return new SshSession(connection, host, via);
      } catch (error) {
        const message = (error as Error).message;
        const retryable = !(error instanceof StepFailure) && RETRYABLE.test(message);
        // Keep trying until the time is up: the last wait is cut to what is left, never skipped.
        if (!retryable || Date.now() >= deadline - 50) {
          via?.close();
          if (error instanceof StepFailure) throw error;
          if (/authentication methods failed/i.test(message)) {
            throw new StepFailure(
              `${label}: ${host.address}:${host.port} rejected the credentials for user ${host.user} (${host.credentials.kind}). Check that the key or password is authorised for that user on the host.`,
            );
          }
          throw new StepFailure(
            `${label}: cannot reach ${host.address}:${host.port} over SSH: ${attempt} attempt${attempt === 1 ? '' : 's'} in ${((Date.now() - started) / 1000).toFixed(1)} s (connectTimeoutSeconds ${host.connectTimeoutSeconds}), the last: ${message}. Check that sshd runs there and that nothing blocks this machine from port ${host.port}.`,
          );
        }
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(delayMs, Math.max(0, deadline - Date.now()))),
        );
        delayMs = Math.min(delayMs * 2, 4000);
      }
    }
  }

  /** Runs a command line; rejects only on transport failure or timeout, never on a non-zero exit. */
  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const lost = this.lost();
      if (lost) return reject(lost);
      this.client.exec(command, (err, stream) => {
        if (err)
          return reject(
            this.lost() ?? new StepFailure(`${hostLabel(this.host)}: cannot start a command: ${err.message}`),
          );
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        const timer = setTimeout(() => {
          stream.close();
          reject(
            new StepFailure(
              `${hostLabel(this.host)}: a remote command did not finish within ${Math.round(options.timeoutMs / 1000)} s and was abandoned.`,
            ),
          );
        }, options.timeoutMs);
        stream.on('data', (chunk: Buffer) => stdout.push(chunk));
        stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        stream.on('close', (code: number | null, signal?: string) => {
          clearTimeout(timer);
          const lost = code === null && !signal ? this.lost() : undefined;
          if (lost) return reject(lost);
          resolve({
            code: code ?? null,
            ...(signal ? { signal } : {}),
            stdout: Buffer.concat(stdout),
            stderr: Buffer.concat(stderr),
            durationMs: Date.now() - started,
          });
        });
        stream.end(options.stdin ?? undefined);
      });
    });
  }

  /**
   * The persistent shell of this connection, started on first use: every command of the step goes
   * through it. On a POSIX host the shell agent, under `sudo -n` when the host asks for sudo, so
   * each command need not; on a Windows host the PowerShell session, whose script follows the
   * short bootstrap on stdin.
   */
  agent(): Promise<ShellAgent> {
    if (!this.agentStarted) {
      const label = hostLabel(this.host);
      const windows = this.host.os === 'windows';
      const script = `sh -c ${quotePosix(AGENT_SCRIPT)}`;
      const line = windows ? SESSION_COMMAND_LINE : this.host.sudo ? `sudo -n -- ${script}` : script;
      this.agentStarted = new Promise<ShellAgent>((resolve, reject) => {
        this.client.exec(line, (err, stream) => {
          if (err) return reject(new StepFailure(`${label}: cannot start a remote shell: ${err.message}`));
          if (windows) stream.write(SESSION_FRAME);
          const agent = new ShellAgent(stream, stream, stream.stderr);
          agent.whenReady().then(
            () => resolve(agent),
            (error: Error) =>
              reject(
                new StepFailure(
                  `${label}: cannot start a remote shell (${error.message})${this.host.sudo ? `; check that user ${this.host.user} may run sudo -n without a password` : ''}.`,
                ),
              ),
          );
        });
      });
    }
    return this.agentStarted;
  }

  /** A TCP stream from this host to another: how a bastion carries the next hop. */
  forward(address: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, address, port, (err, stream) => {
        if (err)
          reject(
            new Error(
              `${hostLabel(this.host)} could not open a tunnel to ${address}:${port}: ${err.message}`,
            ),
          );
        else resolve(stream);
      });
    });
  }

  close(): void {
    void this.agentStarted?.then((a) => a.close()).catch(() => undefined);
    this.client.end();
    this.via?.close();
  }
}

/**
 * An ssh2 client with an error listener for its whole life. ssh2 may emit `error` more than once,
 * or after `ready` (a reset, a failed keepalive); an `error` event without a listener would kill
 * the runner with a stack trace instead of failing the step. Errors before `ready` reject the
 * connection attempt, once; later ones are kept, and the session turns them into step failures.
 */
export interface WatchedClient {
  readonly client: Client;
  /** The first error after `ready`, if any. */
  readonly lateError?: Error;
}

/** Connects one client, once; `client` is a parameter so a test can drive its events. */
export function connectOnce(
  client: Client,
  host: HostConfig,
  env: NodeJS.ProcessEnv,
  readyTimeoutMs: number,
  via?: SshSession,
): Promise<WatchedClient> {
  const label = hostLabel(host);
  const watched: { client: Client; lateError?: Error } = { client };
  return new Promise((resolve, reject) => {
    let mismatch: HostKeyMismatch | undefined;
    let settled = false;
    const start = async () => {
      const config: ConnectConfig = {
        host: host.address,
        port: host.port,
        username: host.user,
        readyTimeout: readyTimeoutMs,
        keepaliveInterval: 10000,
        keepaliveCountMax: 3,
        ...resolveCredentials(host.credentials, label, env),
        hostVerifier: (key: Buffer) => {
          if (host.acceptUnknownHostKey) return true;
          const presented = hostKeyFingerprint(key);
          if (presented === host.hostKeySha256) return true;
          mismatch = new HostKeyMismatch(
            `${label}: host key mismatch at ${host.address}:${host.port}: pinned ${host.hostKeySha256}, the host presented ${presented}. Nothing was changed. If the host was reinstalled, confirm the new key on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and update hostKeySha256.`,
          );
          return false;
        },
        ...(via ? { sock: await via.forward(host.address, host.port) } : {}),
      };
      client.connect(config);
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(error);
    };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      resolve(watched);
    });
    client.on('error', (error: Error) => {
      if (!settled) return fail(mismatch ?? error);
      watched.lateError ??= error;
    });
    start().catch(fail);
  });
}
