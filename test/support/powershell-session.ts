/**
 * The library's PowerShell session run by this machine's PowerShell 7, as a Windows host runs it:
 * the bootstrap on the command line, the session script framed on stdin, then the runner's frames.
 * The Windows-only cmdlets it calls come from the lab's WindowsLab module, and `taskkill.exe` from
 * the lab's stand-in, so what runs is exactly what a lab Windows host runs.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SESSION_COMMAND_LINE, SESSION_FRAME } from '../../src/runner/powershell-session';
import type { CommandExecutor } from '../../src/runner/remote-host';
import { ShellAgent } from '../../src/runner/shell-agent';
import type { ExecResult } from '../../src/runner/ssh-session';
import { POWERSHELL, requirePowerShell } from './powershell';

const WINDOWS_LAB = path.join(__dirname, '..', 'lab', 'emulators', 'windows');

/** A folder with `taskkill.exe`, for PATH. */
function standInBin(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-windows-bin-'));
  const taskkill = path.join(dir, 'taskkill.exe');
  fs.copyFileSync(path.join(WINDOWS_LAB, 'taskkill.py'), taskkill);
  fs.chmodSync(taskkill, 0o755);
  return dir;
}

/** Starts the session with the library's own command line; `frame` replaces what stdin starts with. */
export function spawnPowerShellSession(frame: Buffer = SESSION_FRAME): {
  child: ChildProcessWithoutNullStreams;
  bin: string;
} {
  requirePowerShell();
  const bin = standInBin();
  const args = SESSION_COMMAND_LINE.split(' ').slice(1);
  const child = spawn(POWERSHELL, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      PSModulePath: WINDOWS_LAB,
      NO_COLOR: '1',
      POWERSHELL_TELEMETRY_OPTOUT: '1',
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    },
  });
  child.stdin.write(frame);
  return { child, bin };
}

/** A Windows host's executor whose PowerShell session runs here. */
export class LocalPowerShellSession implements CommandExecutor {
  private started:
    { agent: Promise<ShellAgent>; child: ChildProcessWithoutNullStreams; bin: string } | undefined;

  exec(): Promise<ExecResult> {
    throw new Error('a Windows host is reached only through its PowerShell session');
  }

  agent(): Promise<ShellAgent> {
    if (!this.started) {
      const { child, bin } = spawnPowerShellSession();
      const agent = new ShellAgent(child.stdin, child.stdout, child.stderr);
      this.started = { agent: agent.whenReady().then(() => agent), child, bin };
    }
    return this.started.agent;
  }

  /** The session's process id, once started. */
  get pid(): number | undefined {
    return this.started?.child.pid;
  }

  async close(): Promise<void> {
    const started = this.started;
    this.started = undefined;
    if (!started) return;
    const exited = new Promise((resolve) => started.child.once('exit', resolve));
    (await started.agent.catch(() => undefined))?.close();
    const timer = setTimeout(() => started.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    fs.rmSync(started.bin, { recursive: true, force: true });
  }
}
