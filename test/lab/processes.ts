import * as fs from 'node:fs';
import { isUnder } from './mounts';

export interface ProcessInfo {
  pid: number;
  /** The process's root directory as this process sees it: the host root for processes inside a host. */
  root: string;
  exe: string;
  argv: string[];
}

/** All processes visible in /proc, skipping those that vanish or cannot be read while we look. */
export function listProcesses(): ProcessInfo[] {
  const result: ProcessInfo[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      result.push({
        pid: Number(entry),
        root: fs.readlinkSync(`/proc/${entry}/root`),
        exe: safeReadlink(`/proc/${entry}/exe`),
        argv: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean),
      });
    } catch {
      // Exited meanwhile.
    }
  }
  return result;
}

function safeReadlink(path: string): string {
  try {
    return fs.readlinkSync(path);
  } catch {
    return '';
  }
}

/** Processes whose root directory is inside `dir` (sessions and whatever they left running). */
export function processesRootedUnder(dir: string): ProcessInfo[] {
  return listProcesses().filter((p) => p.pid !== process.pid && isUnder(p.root, dir));
}

/** Alive and not a zombie: in a container, PID 1 may never reap the daemons we killed. */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** SIGTERM (or the given signal), then SIGKILL whatever is still there after a short grace period. */
export function terminate(pids: number[], firstSignal: NodeJS.Signals = 'SIGTERM'): void {
  const sendTo = (list: number[], signal: NodeJS.Signals): void => {
    for (const pid of list) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  };
  sendTo(pids, firstSignal);
  const deadline = Date.now() + 2000;
  let left = pids.filter(isAlive);
  while (left.length > 0 && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    left = left.filter(isAlive);
  }
  sendTo(left, 'SIGKILL');
}
