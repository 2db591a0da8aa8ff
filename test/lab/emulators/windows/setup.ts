/**
 * Makes a lab host a Windows host as the library's runner meets it: Windows OpenSSH's
 * `cmd.exe /c` and `powershell.exe` (windows-openssh.py, first on PATH), the real PowerShell behind
 * them, the Windows-only cmdlets it needs (the WindowsLab module), `taskkill.exe`, and the
 * registry of the host's Windows services. Windows paths live under /mnt/<drive> in the host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostPath, installEmulator, LabHost } from '../../lab';
import { decodeCommandLine } from '../../../support/windows-fixture-host';

const here = __dirname;
const OPENSSH = fs.readFileSync(path.join(here, 'windows-openssh.py'), 'utf8');
const TASKKILL = fs.readFileSync(path.join(here, 'taskkill.py'), 'utf8');
const MODULE_FILES = ['WindowsLab.psd1', 'WindowsLab.psm1'];
const MODULE_DIR = '/lab/windows/modules/WindowsLab';
const SERVICES = '/etc/windows-lab/services.json';
const COMMAND_LINES = '/var/log/windows-lab/command-lines.jsonl';

function readJson<T>(host: LabHost, file: string, fallback: T): T {
  try {
    return JSON.parse(fs.readFileSync(hostPath(host.name, file), 'utf8')) as T;
  } catch {
    return fallback;
  }
}

function writeJson(host: LabHost, file: string, value: unknown): void {
  const target = hostPath(host.name, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, `${JSON.stringify(value, null, 2)}\n`);
}

/** True once installWindowsEmulation ran on the host (since its last reset). */
export function hasWindowsEmulation(host: LabHost): boolean {
  return fs.existsSync(hostPath(host.name, `${MODULE_DIR}/WindowsLab.psm1`));
}

/**
 * Makes the host a Windows host: `powershell`/`powershell.exe` (and `taskkill`/`taskkill.exe`) in
 * /lab/bin, the WindowsLab module, an empty service registry unless it has one, and C:\ (/mnt/c).
 */
export function installWindowsEmulation(host: LabHost): void {
  for (const name of ['powershell', 'powershell.exe']) installEmulator(host.name, name, OPENSSH);
  for (const name of ['taskkill', 'taskkill.exe']) installEmulator(host.name, name, TASKKILL);
  const modules = hostPath(host.name, MODULE_DIR);
  fs.mkdirSync(modules, { recursive: true });
  for (const file of MODULE_FILES)
    fs.copyFileSync(path.join(here, 'WindowsLab', file), path.join(modules, file));
  if (!fs.existsSync(hostPath(host.name, SERVICES))) writeJson(host, SERVICES, {});
  fs.mkdirSync(hostPath(host.name, '/mnt/c'), { recursive: true });
}

/** Every command line the host's Windows side received (as `cmd.exe /c` gets it), oldest first. */
export function windowsCommandLines(host: LabHost): string[] {
  const file = hostPath(host.name, COMMAND_LINES);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { line: string }).line);
}

/** What a command line carries, decoded: the line and the script it runs. */
export function decodedCommandLine(line: string): string[] {
  return [line, decodeCommandLine(line)];
}

// ---------------------------------------------------------------- paths

const DRIVE_PATH = /^([A-Za-z]):(?:[\\/](.*))?$/s;

/** `C:\X\Y` → `/mnt/c/X/Y` inside the host, as written (no case matching); `..` and `.` resolved. */
export function windowsToHostPath(windowsPath: string): string {
  const m = DRIVE_PATH.exec(windowsPath);
  if (!m) throw new Error(`Not a Windows drive path: ${windowsPath}`);
  const names: string[] = [];
  for (const part of (m[2] ?? '').split(/[\\/]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') names.pop();
    else names.push(part);
  }
  return ['/mnt', m[1].toLowerCase(), ...names].join('/');
}

/**
 * This machine's path of a Windows path on the host, each existing name matched in any case as
 * the emulator (and NTFS) does: `c:\skyline dataminer\dataminer.xml` finds `DataMiner.xml`.
 */
export function windowsHostPath(host: LabHost, windowsPath: string): string {
  const [, , drive, ...names] = windowsToHostPath(windowsPath).split('/');
  let current = hostPath(host.name, `/mnt/${drive}`);
  for (const name of names) {
    let actual = name;
    if (!fs.existsSync(path.join(current, name))) {
      try {
        actual =
          fs
            .readdirSync(current)
            .sort()
            .find((e) => e.toLowerCase() === name.toLowerCase()) ?? name;
      } catch {
        // A missing folder: the rest of the path is as written.
      }
    }
    current = path.join(current, actual);
  }
  return current;
}

/** Writes a file at a Windows path on the host (folders created), as the host's owner would. */
export function writeWindowsFile(host: LabHost, windowsPath: string, content: string | Buffer): string {
  const file = windowsHostPath(host, windowsPath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** Local Machine > Trusted Root Certification Authorities (see windows-openssh.py). */
export const MACHINE_ROOT_STORE = '/var/lib/windows-lab/certificates/LocalMachine/Root';

/** Imports a CA certificate (PEM) into the host's Local Machine Trusted Root store. */
export function trustRootCertificate(host: LabHost, name: string, pem: string): void {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`Not a certificate file name: ${name}`);
  const dir = hostPath(host.name, MACHINE_ROOT_STORE);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.pem`), pem);
}

// ---------------------------------------------------------------- services and programs

/**
 * A Windows service of the host:
 * - `command`: `control` + `start|stop|status` (status prints Running, Stopped, StartPending or StopPending);
 * - `systemd`: the lab's `systemctl` (an emulator of ../cassandra, for one) for `unit`: running when
 *   `systemctl status` exits 0;
 * - `never-starts`: Start-Service leaves it StartPending for ever (a start that hangs);
 * - `fails-to-start`: Start-Service fails at once.
 */
export type WindowsService = { readonly displayName?: string } & (
  | { readonly kind: 'command'; readonly control: readonly string[] }
  | { readonly kind: 'systemd'; readonly unit: string }
  | { readonly kind: 'never-starts' }
  | { readonly kind: 'fails-to-start' }
);

/** Adds (or replaces) a Windows service on the host. */
export function registerWindowsService(host: LabHost, name: string, service: WindowsService): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`Invalid service name ${name}`);
  if (!hasWindowsEmulation(host)) installWindowsEmulation(host);
  const services = readJson<Record<string, WindowsService>>(host, SERVICES, {});
  const existing = Object.keys(services).find((n) => n.toLowerCase() === name.toLowerCase());
  if (existing) delete services[existing];
  writeJson(host, SERVICES, { ...services, [name]: service });
}

/** Knob: a service whose start hangs (StartPending for ever) or fails. */
export function addTroubledService(
  host: LabHost,
  name: string,
  trouble: 'never-starts' | 'fails-to-start',
): void {
  registerWindowsService(host, name, { kind: trouble });
}

/**
 * Makes `windowsPath` a program `&` runs (NODETOOL_PS; RUN_PROGRAM_PS of service-scripts.ts): an executable there that
 * runs `argv` with its own arguments appended, inside the host. `file: false` leaves it missing,
 * and PowerShell then reports the name as not recognized, as on Windows.
 */
export function registerWindowsProgram(
  host: LabHost,
  windowsPath: string,
  argv: readonly string[],
  options: { file?: boolean } = {},
): void {
  if (!hasWindowsEmulation(host)) installWindowsEmulation(host);
  if (!(options.file ?? true)) return;
  const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const file = windowsHostPath(host, windowsPath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n# lab stand-in for ${path.basename(file)}\nexec ${quoted} "$@"\n`, {
    mode: 0o755,
  });
  fs.chmodSync(file, 0o755);
}
