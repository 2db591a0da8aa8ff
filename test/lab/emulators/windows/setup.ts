/**
 * Makes a lab host answer the library's Windows runner: the lab's `powershell` (windows-lab.py)
 * in /lab/bin, the catalogue of the primitive scripts it accepts (the library's own constants,
 * each mapped to the behaviour that does what the script does), and the registries of the
 * Windows services and programs a host has. Windows paths live under /mnt/<drive> in the host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ATOMIC_WRITE_PS,
  READ_FILE_PS,
  REMOVE_FILE_PS,
  TIMED_OUT_MARKER,
  TIMED_OUT_STATUS,
  TIMEOUT_SUPERVISOR_PS,
} from '../../../../src/dialect/powershell';
import { MISSING_FILE_STATUS } from '../../../../src/dialect/posix';
import {
  ANSWERS_AT_PS,
  LIST_ADAPTER_ADDRESSES_PS,
  LIST_FOLDERS_PS,
  MISSING_STATUS,
  PATH_EXISTS_PS,
  RESOLVE_NAME_PS,
  RUN_PROGRAM_PS,
  SERVICE_STATUS_PS,
  START_SERVICE_PS,
} from '../../../../src/dialect/windows-primitives';
import {
  FIRST_DATA_FILE_PS,
  NODETOOL_PS,
  PORT_CHECK_PS,
  SERVICE_MISSING,
  SERVICE_RUNNING,
  SERVICE_STATE_PS,
  SERVICE_STOPPED,
} from '../../../../constructs/cassandra-two-node/commands';
import { hostPath, installEmulator, LabHost } from '../../lab';
import { decodeWindowsCommand } from '../../../support/windows-fixture-host';

const EMULATOR = fs.readFileSync(path.join(__dirname, 'windows-lab.py'), 'utf8');

/** What the lab's `powershell` can do; each primitive script is mapped to exactly one. */
export const POWERSHELL_BEHAVIOURS = [
  'read-file',
  'atomic-write',
  'remove-file',
  'timeout-supervisor',
  'path-exists',
  'list-folders',
  'service-status',
  'service-state',
  'start-service',
  'run-program',
  'nodetool',
  'resolve-name',
  'answers-at',
  'list-adapter-addresses',
  'port-check',
  'first-data-file',
] as const;
export type PowerShellBehaviour = (typeof POWERSHELL_BEHAVIOURS)[number];

/**
 * A script the lab's `powershell` accepts as a body, and what it does. The behaviour reads the
 * variables of the library script it was written for (see README.md), under the same names.
 */
export interface PowerShellPrimitive {
  readonly script: string;
  readonly behaviour: PowerShellBehaviour;
}

/** Every constant PowerShell script the library sends, by its export name. */
export const BUILT_IN_PRIMITIVES: Readonly<Record<string, PowerShellPrimitive>> = {
  READ_FILE_PS: { script: READ_FILE_PS, behaviour: 'read-file' },
  ATOMIC_WRITE_PS: { script: ATOMIC_WRITE_PS, behaviour: 'atomic-write' },
  REMOVE_FILE_PS: { script: REMOVE_FILE_PS, behaviour: 'remove-file' },
  TIMEOUT_SUPERVISOR_PS: { script: TIMEOUT_SUPERVISOR_PS, behaviour: 'timeout-supervisor' },
  PATH_EXISTS_PS: { script: PATH_EXISTS_PS, behaviour: 'path-exists' },
  LIST_FOLDERS_PS: { script: LIST_FOLDERS_PS, behaviour: 'list-folders' },
  SERVICE_STATUS_PS: { script: SERVICE_STATUS_PS, behaviour: 'service-status' },
  START_SERVICE_PS: { script: START_SERVICE_PS, behaviour: 'start-service' },
  RUN_PROGRAM_PS: { script: RUN_PROGRAM_PS, behaviour: 'run-program' },
  RESOLVE_NAME_PS: { script: RESOLVE_NAME_PS, behaviour: 'resolve-name' },
  ANSWERS_AT_PS: { script: ANSWERS_AT_PS, behaviour: 'answers-at' },
  LIST_ADAPTER_ADDRESSES_PS: { script: LIST_ADAPTER_ADDRESSES_PS, behaviour: 'list-adapter-addresses' },
  SERVICE_STATE_PS: { script: SERVICE_STATE_PS, behaviour: 'service-state' },
  NODETOOL_PS: { script: NODETOOL_PS, behaviour: 'nodetool' },
  PORT_CHECK_PS: { script: PORT_CHECK_PS, behaviour: 'port-check' },
  FIRST_DATA_FILE_PS: { script: FIRST_DATA_FILE_PS, behaviour: 'first-data-file' },
};

/** The exit statuses the scripts use, from the library's constants (the emulator has no copy of its own). */
const SETTINGS = {
  missingStatus: MISSING_STATUS,
  missingFileStatus: MISSING_FILE_STATUS,
  serviceRunningStatus: SERVICE_RUNNING,
  serviceStoppedStatus: SERVICE_STOPPED,
  serviceMissingStatus: SERVICE_MISSING,
  timedOutStatus: TIMED_OUT_STATUS,
  timedOutMarker: TIMED_OUT_MARKER,
};

const CONFIG_DIR = '/etc/windows-lab';
const CATALOGUE = `${CONFIG_DIR}/primitives.json`;
const SERVICES = `${CONFIG_DIR}/services.json`;
const PROGRAMS = `${CONFIG_DIR}/programs.json`;
/** The emulator's exit status for anything it does not emulate (an unknown script first). */
export const NOT_EMULATED_STATUS = 99;

interface CatalogueEntry {
  name: string;
  behaviour: PowerShellBehaviour;
  script: string;
}

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

function catalogueOf(primitives: Readonly<Record<string, PowerShellPrimitive>>): CatalogueEntry[] {
  const entries: CatalogueEntry[] = [];
  for (const [name, p] of Object.entries(primitives)) {
    if (!(POWERSHELL_BEHAVIOURS as readonly string[]).includes(p.behaviour))
      throw new Error(
        `${name}: no behaviour named ${p.behaviour}; known: ${POWERSHELL_BEHAVIOURS.join(', ')}`,
      );
    const same = entries.find((e) => e.script === p.script);
    // One body, one behaviour: the emulator looks scripts up by their text.
    if (same && same.behaviour !== p.behaviour)
      throw new Error(`${name} has the text of ${same.name} but another behaviour (${p.behaviour})`);
    const named = entries.find((e) => e.name === name);
    if (named && named.script !== p.script) throw new Error(`Two different scripts are named ${name}`);
    if (!same && !named) entries.push({ name, behaviour: p.behaviour, script: p.script });
  }
  return entries;
}

/** True once installWindowsEmulation ran on the host (since its last reset). */
export function hasWindowsEmulation(host: LabHost): boolean {
  return fs.existsSync(hostPath(host.name, CATALOGUE));
}

/**
 * Installs the lab's `powershell` on the host with a catalogue of exactly the built-in primitives
 * and `extraPrimitives` (name → script and behaviour: scripts a construct adds later). Replaces
 * any catalogue the host had; the service and program registries stay. Creates C:\ (/mnt/c).
 */
export function installWindowsEmulation(
  host: LabHost,
  extraPrimitives: Readonly<Record<string, PowerShellPrimitive>> = {},
): void {
  const primitives = catalogueOf({ ...BUILT_IN_PRIMITIVES, ...extraPrimitives });
  installEmulator(host.name, 'powershell', EMULATOR);
  writeJson(host, CATALOGUE, { settings: SETTINGS, primitives });
  for (const file of [SERVICES, PROGRAMS])
    if (!fs.existsSync(hostPath(host.name, file))) writeJson(host, file, {});
  fs.mkdirSync(hostPath(host.name, '/mnt/c'), { recursive: true });
}

/** Adds primitives to the host's catalogue, keeping those it has (installs the emulation first when needed). */
export function addPowerShellPrimitives(
  host: LabHost,
  primitives: Readonly<Record<string, PowerShellPrimitive>>,
): void {
  if (!hasWindowsEmulation(host)) installWindowsEmulation(host);
  const { settings, primitives: current } = readJson<{ settings: unknown; primitives: CatalogueEntry[] }>(
    host,
    CATALOGUE,
    { settings: SETTINGS, primitives: [] },
  );
  const merged = catalogueOf({
    ...Object.fromEntries(current.map((e) => [e.name, { script: e.script, behaviour: e.behaviour }])),
    ...primitives,
  });
  writeJson(host, CATALOGUE, { settings, primitives: merged });
}

/** Every command line the host's Windows side received (as `cmd.exe /c` gets it), oldest first. */
export function windowsCommandLines(host: LabHost): string[] {
  const file = hostPath(host.name, '/var/log/windows-lab/command-lines.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { line: string }).line);
}

/**
 * What a command line carries, decoded: the line, the script it runs (a supervised script's
 * `$inner`), and each bound value, also read as base64 of UTF-8 text.
 */
export function decodedCommandLine(line: string): string[] {
  const { script, vars } = decodeWindowsCommand(line);
  const values = Object.values(vars);
  return [line, script, ...values, ...values.map((v) => Buffer.from(v, 'base64').toString('utf8'))];
}

/** The primitives the host's `powershell` accepts, by name. */
export function installedPrimitives(host: LabHost): Record<string, PowerShellPrimitive> {
  const { primitives } = readJson<{ primitives: CatalogueEntry[] }>(host, CATALOGUE, { primitives: [] });
  return Object.fromEntries(primitives.map((e) => [e.name, { script: e.script, behaviour: e.behaviour }]));
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
 * Makes `windowsPath` a program `&` runs (RUN_PROGRAM_PS, NODETOOL_PS): its arguments are appended
 * to `argv`, run inside the host. Writes a stand-in file there unless `file` is false; a program
 * whose file is missing is not recognized, as on Windows.
 */
export function registerWindowsProgram(
  host: LabHost,
  windowsPath: string,
  argv: readonly string[],
  options: { file?: boolean } = {},
): void {
  if (!hasWindowsEmulation(host)) installWindowsEmulation(host);
  if (options.file ?? true) {
    const file = windowsHostPath(host, windowsPath);
    if (!fs.existsSync(file))
      writeWindowsFile(host, windowsPath, `lab stand-in for ${windowsPath.split(/[\\/]/).pop()}\r\n`);
  }
  // The emulator finds a program by its path inside the host, with the names as they are on disk.
  const inside = path.posix.join(
    '/',
    path.relative(hostPath(host.name, '/'), windowsHostPath(host, windowsPath)),
  );
  const programs = readJson<Record<string, { argv: string[] }>>(host, PROGRAMS, {});
  programs[inside] = { argv: [...argv] };
  writeJson(host, PROGRAMS, programs);
}
