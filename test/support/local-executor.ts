import { spawn } from 'node:child_process';
import type { CommandExecutor } from '../../src/runner/remote-host';
import { AGENT_SCRIPT, ShellAgent } from '../../src/runner/shell-agent';
import type { ExecOptions, ExecResult } from '../../src/runner/ssh-session';
import type { HostConfig } from '../../src/schema/host';

/** Every LocalExecutor made, for closeLocalExecutors. */
const made = new Set<LocalExecutor>();

/**
 * Ends every persistent shell a LocalExecutor started, as the runner closes its sessions after a
 * step: a test that holds the host's step lock releases it here (call it in afterEach).
 */
export async function closeLocalExecutors(): Promise<void> {
  const all = [...made];
  made.clear();
  await Promise.all(all.map((executor) => executor.close()));
}

/** Runs command lines with the local `sh`, as sshd would run them with the login shell. */
export class LocalExecutor implements CommandExecutor {
  public readonly commands: string[] = [];
  private started: Promise<ShellAgent> | undefined;

  constructor() {
    made.add(this);
  }

  /** The real persistent shell, run locally: `sh -c AGENT_SCRIPT`, as a host runs it. */
  agent(): Promise<ShellAgent> {
    if (!this.started) {
      const child = spawn('sh', ['-c', AGENT_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
      child.unref();
      for (const stream of [child.stdin, child.stdout, child.stderr])
        (stream as unknown as { unref?: () => void }).unref?.();
      const agent = new ShellAgent(child.stdin, child.stdout, child.stderr);
      this.started = agent.whenReady().then(() => agent);
    }
    return this.started;
  }

  /** Ends the persistent shell, as the runner closes its sessions after a step: its lock goes with it. */
  async close(): Promise<void> {
    const started = this.started;
    this.started = undefined;
    (await started?.catch(() => undefined))?.close();
  }

  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    this.commands.push(command);
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
      child.stdout.on('data', (c: Buffer) => stdout.push(c));
      child.stderr.on('data', (c: Buffer) => stderr.push(c));
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          code,
          ...(signal ? { signal } : {}),
          stdout: Buffer.concat(stdout),
          stderr: Buffer.concat(stderr),
          durationMs: Date.now() - started,
        });
      });
      // A command that does not read its input may exit before we finish writing it.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin ?? '');
    });
  }
}

export const LOCAL_HOST: HostConfig = {
  name: 'local',
  address: '127.0.0.1',
  port: 22,
  user: 'root',
  os: 'linux',
  credentials: { kind: 'agent', socketEnv: 'SSH_AUTH_SOCK' },
  acceptUnknownHostKey: true,
  sudo: false,
  connectTimeoutSeconds: 5,
  commandTimeoutSeconds: 20,
  keepBackups: 5,
};
