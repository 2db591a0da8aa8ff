/**
 * A Windows host that answers from fixtures, for unit tests of Windows handlers: facts in, the
 * scripts the runner sent out. It is the host's PowerShell session as the runner sees it: each
 * request is a script with its values bound (bindPowerShellVariables), which it splits into the
 * bound values and the constant body, with the request's input bytes. `WindowsMachine` answers the
 * core primitives from an in-memory machine; anything else goes to the test's own answer.
 */
import { ATOMIC_WRITE_PS, READ_FILE_PS, REMOVE_FILE_PS } from '../../src/dialect/powershell';
import {
  ANSWERS_AT_PS,
  AWAIT_PROCESS_PS,
  LIST_ADAPTER_ADDRESSES_PS,
  LIST_FOLDERS_PS,
  MISSING_STATUS,
  PATH_EXISTS_PS,
  PROCESS_STATE_PS,
  RESOLVE_NAME_PS,
  REVERSE_LOOKUP_PS,
} from '../../src/dialect/windows-primitives';
import type { CommandExecutor } from '../../src/runner/remote-host';
import { RemoteHost, Traffic } from '../../src/runner/remote-host';
import type { AgentRequest, AgentResponse, CommandBatcher } from '../../src/runner/shell-agent';
import type { ExecResult } from '../../src/runner/ssh-session';
import type { HostConfig } from '../../src/schema/host';
import { PORT_CHECK_PS } from '../../constructs/cassandra-two-node';
import type { FixtureAnswer } from './fixture-host';

export interface WindowsCommand {
  /** The whole script as PowerShell would run it: preferences, bindings, body. */
  readonly script: string;
  readonly vars: Readonly<Record<string, string>>;
  /** The request's input ($cdktfInput). */
  readonly stdin?: Buffer;
}

/** Whether the command runs this constant script (its body). */
export const runs = (command: WindowsCommand, script: string) => command.script.endsWith(script);

/** The values a bound script carries: `$name = '<value>'`, quotes doubled, a value may span lines. */
export function decodeWindowsScript(script: string, stdin?: string | Buffer): WindowsCommand {
  const vars: Record<string, string> = {};
  for (const m of script.matchAll(
    /^\$(\w+) = '((?:[^'\u2018\u2019\u201a\u201b]|['\u2018\u2019\u201a\u201b]{2})*)'$/gm,
  ))
    vars[m[1]] = m[2].replace(/(['\u2018\u2019\u201a\u201b])\1/g, '$1');
  return {
    script,
    vars,
    ...(stdin !== undefined && stdin.length > 0
      ? { stdin: Buffer.isBuffer(stdin) ? stdin : Buffer.from(stdin) }
      : {}),
  };
}

/** The script a PowerShell command line carries (-EncodedCommand): what a Windows process list shows. */
export function decodeCommandLine(line: string): string {
  const encoded = /-EncodedCommand (\S+)$/.exec(line);
  if (!encoded) throw new Error(`not a PowerShell command line: ${line}`);
  return Buffer.from(encoded[1], 'base64').toString('utf16le');
}

/** The host's PowerShell session, answering each request from the test's fixtures. */
export class WindowsFixtureExecutor implements CommandExecutor, CommandBatcher {
  public readonly received: WindowsCommand[] = [];

  constructor(private readonly answer: (command: WindowsCommand) => FixtureAnswer) {}

  exec(): Promise<ExecResult> {
    throw new Error('a Windows host is reached only through its PowerShell session');
  }

  async agent(): Promise<CommandBatcher> {
    return this;
  }

  async batch(requests: readonly AgentRequest[]): Promise<AgentResponse[]> {
    const responses: AgentResponse[] = [];
    let skipping = false;
    for (const request of requests) {
      if (request.lock) {
        responses.push({ status: 0, stdout: Buffer.from(request.command), stderr: Buffer.alloc(0) });
        continue;
      }
      if (skipping) {
        responses.push({ status: 'skipped', stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
        continue;
      }
      const command = decodeWindowsScript(request.command, request.stdin);
      this.received.push(command);
      const a = this.answer(command);
      const status = a.code ?? 0;
      responses.push({ status, stdout: Buffer.from(a.stdout ?? ''), stderr: Buffer.from(a.stderr ?? '') });
      if (status !== 0 && request.mustSucceed) skipping = true;
    }
    return responses;
  }
}

export function windowsFixtureHost(
  config: HostConfig,
  answer: (command: WindowsCommand) => FixtureAnswer,
): { host: RemoteHost; executor: WindowsFixtureExecutor; traffic: Traffic } {
  const executor = new WindowsFixtureExecutor(answer);
  const traffic = new Traffic();
  return { host: new RemoteHost(config, executor, undefined, traffic), executor, traffic };
}

const CRLF = '\r\n';

/**
 * A Windows machine in memory, answering the core primitives as Windows does: paths in any case,
 * files as bytes, its processes, its adapters, and who answers it on which port.
 */
export class WindowsMachine {
  readonly files = new Map<string, Buffer>();
  readonly folders = new Set<string>();
  /** The names of the processes that run. */
  readonly processes = new Set<string>();
  /** Its adapters' addresses: a MAC and whether it is physical, as Get-NetAdapter tells. */
  adapters: { alias: string; address: string; mac?: string; physical?: boolean }[] = [];
  /** `address` (ping) or `address:port` (TCP) that answer from this machine. */
  readonly answering = new Set<string>();
  readonly names = new Map<string, string[]>();
  /** Reverse lookups: address → name. */
  readonly reverse = new Map<string, string>();

  writeFile(path: string, content: string | Buffer): this {
    this.files.set(path.toLowerCase(), Buffer.isBuffer(content) ? content : Buffer.from(content));
    for (let p = path; p.lastIndexOf('\\') > 2;)
      this.folders.add((p = p.slice(0, p.lastIndexOf('\\'))).toLowerCase());
    return this;
  }

  readFile(path: string): string | undefined {
    return this.files.get(path.toLowerCase())?.toString('utf8');
  }

  /** The answer to a core primitive, or undefined for a script it does not know. */
  answer(c: WindowsCommand): FixtureAnswer | undefined {
    const path = c.vars.path?.toLowerCase();
    if (runs(c, READ_FILE_PS)) {
      const content = this.files.get(path!);
      return content ? { stdout: `${content.toString('base64')}${CRLF}` } : { code: 3 };
    }
    if (runs(c, ATOMIC_WRITE_PS)) {
      const previous = this.files.has(path!);
      if (previous) this.files.set(`${path}${c.vars.suffix}`.toLowerCase(), this.files.get(path!)!);
      this.writeFile(c.vars.path, c.stdin ?? Buffer.alloc(0));
      return previous ? { stdout: `${c.vars.path}${c.vars.suffix}${CRLF}` } : {};
    }
    if (runs(c, REMOVE_FILE_PS)) {
      this.files.delete(path!);
      return {};
    }
    if (runs(c, PATH_EXISTS_PS))
      return { code: this.files.has(path!) || this.folders.has(path!) ? 0 : MISSING_STATUS };
    if (runs(c, LIST_FOLDERS_PS)) {
      if (!this.folders.has(path!)) return { code: MISSING_STATUS };
      const children = [...this.folders]
        .filter((f) => f.startsWith(`${path}\\`) && !f.slice(path!.length + 1).includes('\\'))
        .map((f) => f.slice(path!.length + 1));
      return { stdout: children.map((n) => `${n}${CRLF}`).join('') };
    }
    if (runs(c, REVERSE_LOOKUP_PS)) {
      const name = this.reverse.get(c.vars.address);
      return name ? { stdout: `${name}${CRLF}` } : { code: MISSING_STATUS };
    }
    if (runs(c, PROCESS_STATE_PS))
      return { stdout: `${this.processes.has(c.vars.name) ? 'Running' : 'Stopped'}${CRLF}` };
    if (runs(c, AWAIT_PROCESS_PS))
      return this.processes.has(c.vars.name)
        ? {}
        : { code: 1, stdout: `no process ${c.vars.name} after ${c.vars.seconds} s${CRLF}` };
    if (runs(c, LIST_ADAPTER_ADDRESSES_PS))
      return {
        stdout: this.adapters
          .map(
            (a) =>
              `${a.alias}\t${a.mac ?? '02-00-00-00-00-01'}\t${(a.physical ?? true) ? 'True' : 'False'}\t${a.address}${CRLF}`,
          )
          .join(''),
      };
    if (runs(c, ANSWERS_AT_PS))
      return { stdout: `${this.answering.has(c.vars.address) ? 'icmp' : 'none'}${CRLF}` };
    if (runs(c, PORT_CHECK_PS))
      return this.answering.has(`${c.vars.address}:${c.vars.port}`)
        ? {}
        : { code: 1, stdout: `closed${CRLF}` };
    if (runs(c, RESOLVE_NAME_PS)) {
      const addresses = this.names.get(c.vars.name);
      return addresses ? { stdout: addresses.map((a) => `${a}${CRLF}`).join('') } : { code: MISSING_STATUS };
    }
    return undefined;
  }
}
