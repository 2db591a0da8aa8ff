/**
 * A running lab host: its own network namespace (network.ts), its own UTS, IPC and PID namespaces,
 * and its root filesystem (rootfs.ts) as the root directory of every process in it. PID 1 is the
 * image's tini, which reaps orphans; sshd runs beside it. Killing the `unshare` that started the
 * host kills PID 1, and with it every process the host ever started: nothing outlives a host.
 */
import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LAB_PATH } from './image';
import { netnsPath } from './network';
import { isAlive, processesRootedUnder, terminate } from './processes';

/** Runs as PID 1's parent inside the new namespaces: mounts what a booted system has, then becomes the host. */
const HOST_BOOT_SCRIPT = [
  'set -e',
  'hostname "$1"',
  'root="$2"',
  // proc of the host's own PID namespace, sysfs of its own network namespace.
  'mount -t proc proc "$root/proc"',
  'mount -t sysfs sysfs "$root/sys"',
  'mount --rbind /dev "$root/dev"',
  // A slave never sends mount events back: unmounting the host's /dev/pts leaves the machine's alone.
  'mount --make-rslave "$root/dev"',
  // This machine's tools a host may run (PowerShell and its .NET), read-only, at fixed paths.
  'shift 2',
  'while [ "$#" -ge 2 ]; do',
  '  if [ -d "$1" ]; then',
  '    mkdir -p "$root$2"',
  '    mount --bind "$1" "$root$2"',
  '    mount -o remount,bind,ro "$root$2"',
  '    mount --make-private "$root$2"',
  '  fi',
  '  shift 2',
  'done',
  'exec chroot "$root" /usr/bin/tini -- /bin/sh -c "/usr/sbin/sshd -E /var/log/lab-sshd.log && exec sleep infinity"',
].join('\n');

/**
 * What a lab host sees of this machine: PowerShell 7 (installed by the prerequisite step) and the
 * .NET it runs on, for the Windows hosts' PowerShell. Missing ones are left out.
 */
export function toolMounts(): Array<{ source: string; target: string }> {
  let dotnet = process.env.DOTNET_ROOT;
  if (!dotnet) {
    const found = spawnSync('sh', ['-c', 'command -v dotnet'], { encoding: 'utf8' }).stdout.trim();
    if (found) dotnet = path.dirname(fs.realpathSync(found));
  }
  return [
    { source: POWERSHELL_TOOL_DIR, target: '/opt/powershell' },
    ...(dotnet ? [{ source: dotnet, target: '/usr/share/dotnet' }] : []),
  ];
}

/** Where the prerequisite step installs PowerShell 7 (a .NET tool). */
export const POWERSHELL_TOOL_DIR = '/var/lib/cdktf-failover-lab/tools';

const pidFile = (runDir: string, hostName: string): string => path.join(runDir, `${hostName}.pid`);

/** Starts the host; returns the pid (on this machine) of the `unshare` that holds it. */
export function startHostProcess(runDir: string, hostName: string, root: string): number {
  const log = fs.openSync(path.join(runDir, `${hostName}.log`), 'w');
  const child = spawn(
    'nsenter',
    [
      `--net=${netnsPath(hostName)}`,
      '--',
      'unshare',
      '--uts',
      '--ipc',
      '--pid',
      '--fork',
      '--kill-child=SIGKILL',
      '--',
      '/bin/sh',
      '-c',
      HOST_BOOT_SCRIPT,
      'lab-host-boot',
      hostName,
      root,
      ...toolMounts().flatMap((m) => [m.source, m.target]),
    ],
    { detached: true, stdio: ['ignore', log, log], env: { PATH: LAB_PATH } },
  );
  fs.closeSync(log);
  child.unref();
  if (!child.pid) throw new Error(`${hostName} did not start`);
  fs.writeFileSync(pidFile(runDir, hostName), `${child.pid}\n`);
  return child.pid;
}

/** The pid (on this machine) of the host's PID 1, or undefined when the host is not running. */
export function hostInitPid(runDir: string, hostName: string): number | undefined {
  const holder = holderPid(runDir, hostName);
  if (!holder) return undefined;
  try {
    const children = fs.readFileSync(`/proc/${holder}/task/${holder}/children`, 'utf8').trim().split(/\s+/);
    const pid = Number(children[0]);
    return pid && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function holderPid(runDir: string, hostName: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(runDir, hostName), 'utf8').trim());
    return pid && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Ends the host and every process in it (also any that escaped into another session). */
export function stopHostProcess(runDir: string, hostName: string, root: string): void {
  const pids = new Set(processesRootedUnder(root).map((p) => p.pid));
  const holder = holderPid(runDir, hostName);
  if (holder) pids.add(holder);
  terminate([...pids], 'SIGKILL');
  fs.rmSync(pidFile(runDir, hostName), { force: true });
}

/**
 * Runs a program inside a running host without SSH: its namespaces, its root, its PATH. For lab
 * helpers (a TLS server, a probe); tests of the library go through SSH like the library does.
 */
export function runInHost(
  runDir: string,
  hostName: string,
  argv: string[],
  options: { input?: string; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
  return spawnSync('nsenter', [...enterArgs(runDir, hostName), ...argv], {
    encoding: 'utf8',
    input: options.input ?? '',
    timeout: options.timeoutMs ?? 30_000,
    env: { PATH: LAB_PATH, LAB_HOST: hostName },
  });
}

/** Starts a long-running program inside a host; the returned stop() ends it (the host's reset does too). */
export function spawnInHost(
  runDir: string,
  hostName: string,
  argv: string[],
): { pid: number; stop: () => void } {
  const child = spawn('nsenter', [...enterArgs(runDir, hostName), ...argv], {
    detached: true,
    stdio: 'ignore',
    env: { PATH: LAB_PATH, LAB_HOST: hostName },
  });
  child.unref();
  const pid = child.pid ?? 0;
  return {
    pid,
    stop: () => {
      try {
        // The whole process group: nsenter and the program it forked inside the host.
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone (the host was reset).
      }
    },
  };
}

function enterArgs(runDir: string, hostName: string): string[] {
  const pid = hostInitPid(runDir, hostName);
  if (!pid) throw new Error(`Lab host ${hostName} is not running`);
  return ['-t', String(pid), '--net', '--uts', '--ipc', '--pid', '--root', '--wd', '--'];
}
