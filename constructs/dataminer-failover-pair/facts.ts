/**
 * A DataMiner agent's facts, each read with a constant PowerShell primitive and parsed by a pure
 * parser (parse.ts); "missing" is undefined.
 */
import {
  ANSWERS_AT_PS,
  LIST_ADAPTER_ADDRESSES_PS,
  LIST_FOLDERS_PS,
  MISSING_STATUS,
  PATH_EXISTS_PS,
  RESOLVE_NAME_PS,
  REVERSE_LOOKUP_PS,
  PROCESS_STATE_PS,
  TLS_CHECK_PS,
} from '../../src/dialect/windows-primitives';
import { StepFailure } from '../../src/errors';
import type { CommandResult, RemoteCall, RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import { PORT_CHECK_PS } from '../cassandra-two-node';
import type { AgentRef } from './actions';
import { parseTlsHandshake, TlsDatabaseServer, TlsHandshake } from './database-tls';
import {
  ARR_FOLDER,
  DATAMINER_FILES,
  DATAMINER_PROCESS,
  DB_CONFIGURATION_FILE,
  DB_CONFIGURATION_FOLDERS,
  inInstallDir,
  LICENCE_FILES,
  NATS_REPAIR,
} from './commands';
import {
  DmsView,
  parseAdapters,
  parseAnswer,
  parseBrokerGateway,
  parseDataMinerId,
  parseDmsXml,
  parseHttps,
  parseVersionHistory,
} from './parse';

/** A primitive's output; undefined when its subject is missing (MISSING_STATUS). */
function orMissing(host: RemoteHost, result: CommandResult, what: string): string | undefined {
  if (result.code === MISSING_STATUS) return undefined;
  if (result.code !== 0)
    throw new StepFailure(
      `${host.label}: ${what} failed (exit ${result.code}): ${tail(result.stderr || result.stdout, 3)}`,
    );
  return result.stdout;
}

export interface AgentFacts {
  readonly label: string;
  /** The SLDataMiner process runs (its service name is not documented; the process is). */
  readonly running: boolean;
  readonly dataMinerXml?: string;
  readonly id?: number;
  readonly dms?: DmsView;
  /** DMS.xml as written (its redirects, for the backup's own). */
  readonly dmsXml?: string;
  readonly dbXml?: string;
  readonly https: { enabled: boolean; name?: string };
  /** MaintenanceSettings.xml says the agent was migrated to BrokerGateway. */
  readonly brokerGateway: boolean;
  /** Tools\NATSRepair.exe is there (the 10.6.10 upgrade cleanup may remove it). */
  readonly natsRepair: boolean;
  /** The installed version string (the last line of VersionHistory.txt). */
  readonly version?: string;
  /** The element folders; missing: no Elements folder. */
  readonly elements?: readonly string[];
  readonly licence: boolean;
  /** DBConfiguration.xml: the folder it is in and its content. */
  readonly dbConfiguration?: { folder: string; xml: string };
  /** A problem reading a file that exists but does not parse. */
  readonly unreadable: readonly string[];
}

/**
 * Fact `agent`: everything the preparation reads on one agent, one primitive per read, all in one
 * batch (one round trip).
 */
export async function readAgentFacts(host: RemoteHost, agent: AgentRef): Promise<AgentFacts> {
  const at = (relative: string) => inInstallDir(agent.installDir, relative);
  const files = [
    DATAMINER_FILES.dataMiner,
    DATAMINER_FILES.dms,
    DATAMINER_FILES.db,
    DATAMINER_FILES.maintenance,
    DATAMINER_FILES.versionHistory,
    ...DB_CONFIGURATION_FOLDERS.map((folder) => `${folder}\\${DB_CONFIGURATION_FILE}`),
  ];
  const results = await host.batch([
    { command: { powershell: PROCESS_STATE_PS, vars: { name: DATAMINER_PROCESS } } },
    { command: { powershell: LIST_FOLDERS_PS, vars: { path: at(DATAMINER_FILES.elements) } } },
    ...LICENCE_FILES.map((name) => ({ command: { powershell: PATH_EXISTS_PS, vars: { path: at(name) } } })),
    { command: { powershell: PATH_EXISTS_PS, vars: { path: at(NATS_REPAIR) } } },
    ...files.map((relative) => host.readFileCall(at(relative))),
  ]);
  const [processResult, elementsResult] = results;
  const licenceResults = results.slice(2, 2 + LICENCE_FILES.length);
  const natsRepair = results[2 + LICENCE_FILES.length].code === 0;
  const contents = results
    .slice(3 + LICENCE_FILES.length)
    .map((result, i) => host.fileContent(at(files[i]), result));
  const [dataMinerXml, dmsXml, dbXml, maintenance, history] = contents;
  const running = orMissing(host, processResult, 'looking for the SLDataMiner process')?.trim() === 'Running';
  const elements = orMissing(host, elementsResult, 'listing the elements');
  const licence = licenceResults.some((r) => r.code === 0);
  let dbConfiguration: AgentFacts['dbConfiguration'];
  DB_CONFIGURATION_FOLDERS.forEach((folder, i) => {
    const xml = contents[5 + i];
    if (xml !== undefined && !dbConfiguration) dbConfiguration = { folder, xml };
  });
  const unreadable: string[] = [];
  const parsed = <T>(name: string, text: string | undefined, parse: (t: string) => T): T | undefined => {
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch (error) {
      unreadable.push(`${host.label}: ${name} does not parse (${(error as Error).message})`);
      return undefined;
    }
  };
  const id = parsed('DataMiner.xml', dataMinerXml, parseDataMinerId);
  const dms = parsed('DMS.xml', dmsXml, parseDmsXml);
  const https = parsed('MaintenanceSettings.xml', maintenance, parseHttps) ?? { enabled: false };
  const brokerGateway = parsed('MaintenanceSettings.xml', maintenance, parseBrokerGateway) ?? false;
  return {
    label: host.label,
    running,
    ...(dataMinerXml !== undefined ? { dataMinerXml } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(dms ? { dms } : {}),
    ...(dmsXml !== undefined ? { dmsXml } : {}),
    ...(dbXml !== undefined ? { dbXml } : {}),
    https,
    brokerGateway,
    natsRepair,
    ...(history !== undefined && parseVersionHistory(history)
      ? { version: parseVersionHistory(history)! }
      : {}),
    ...(elements !== undefined
      ? {
          elements: elements
            .split(/\r?\n/)
            .map((l) => l.trim())
            .filter(Boolean),
        }
      : {}),
    licence,
    ...(dbConfiguration ? { dbConfiguration } : {}),
    unreadable,
  };
}

/**
 * Each fact below is a call (to send in a batch with others: one round trip for all) and the
 * reading of its result; read* runs one on its own.
 */
export const factCalls = {
  /** The network adapters in use with their IPv4 addresses. */
  adapters: {
    call: (): RemoteCall => ({ command: { powershell: LIST_ADAPTER_ADDRESSES_PS, vars: {} } }),
    read: (host: RemoteHost, result: CommandResult) =>
      parseAdapters(orMissing(host, result, 'listing the network adapters') ?? ''),
  },
  /** Whether anything answers ping or ARP at the address, seen from this host. */
  answersAt: {
    call: (address: string): RemoteCall => ({ command: { powershell: ANSWERS_AT_PS, vars: { address } } }),
    read: (host: RemoteHost, result: CommandResult, address: string) =>
      parseAnswer(orMissing(host, result, `checking whether anything answers at ${address}`) ?? ''),
  },
  /** The IPv4 addresses a name resolves to from this host; missing: undefined. */
  resolution: {
    call: (name: string): RemoteCall => ({ command: { powershell: RESOLVE_NAME_PS, vars: { name } } }),
    read: (host: RemoteHost, result: CommandResult, name: string): string[] | undefined => {
      const out = orMissing(host, result, `resolving ${name}`);
      return out === undefined
        ? undefined
        : out
            .split(/\r?\n/)
            .map((l) => l.trim())
            .filter(Boolean);
    },
  },
  /** The name an address resolves back to from this host; missing: undefined. */
  reverse: {
    call: (address: string): RemoteCall => ({
      command: { powershell: REVERSE_LOOKUP_PS, vars: { address } },
    }),
    read: (host: RemoteHost, result: CommandResult, address: string): string | undefined =>
      orMissing(host, result, `the reverse lookup of ${address}`)?.trim() || undefined,
  },
  /** IIS Application Request Routing is installed. */
  arr: {
    call: (): RemoteCall => ({ command: { powershell: PATH_EXISTS_PS, vars: { path: ARR_FOLDER } } }),
    read: (result: CommandResult) => result.code === 0,
  },
  /** A TLS handshake from this host with a database server, and where its CA is trusted. */
  tlsHandshake: {
    call: (server: TlsDatabaseServer): RemoteCall => ({
      command: {
        powershell: TLS_CHECK_PS,
        vars: { address: server.host, port: String(server.port), name: server.host, timeoutMs: '5000' },
      },
      timeoutSeconds: 30,
    }),
    read: (result: CommandResult): TlsHandshake | { failed: string } =>
      result.code === 0
        ? parseTlsHandshake(result.stdout)
        : { failed: tail(result.stdout || result.stderr, 2) || `exit ${result.code}` },
  },
  /** A file or folder exists. */
  pathExists: {
    call: (path: string): RemoteCall => ({ command: { powershell: PATH_EXISTS_PS, vars: { path } } }),
    read: (result: CommandResult) => result.code === 0,
  },
  /** A file's content on this host; missing: undefined. */
  file: {
    call: (host: RemoteHost, path: string): RemoteCall => host.readFileCall(path),
    read: (host: RemoteHost, result: CommandResult, path: string) => host.fileContent(path, result),
  },
  /** A TCP connection from this host to address:port completes within 3 s. */
  portOpen: {
    call: (address: string, port: number): RemoteCall => ({
      command: { powershell: PORT_CHECK_PS, vars: { address, port: String(port), timeoutMs: '3000' } },
    }),
    read: (result: CommandResult) => result.code === 0,
  },
};

/** Fact `adapters`, on its own. */
export async function readAdapters(host: RemoteHost) {
  const [result] = await host.batch([factCalls.adapters.call()]);
  return factCalls.adapters.read(host, result);
}

/** An agent as the port checks see it: its connection and its primary IP. */
export interface Agent {
  readonly host: RemoteHost;
  readonly address: string;
}

/**
 * Fact `openPorts`: for each target, whether any of its ports answers from `host`. One round trip
 * for every target's first port; the others of a closed target in one more.
 */
export async function readOpenPorts(
  host: RemoteHost,
  targets: readonly { address: string; anyOf: readonly number[] }[],
): Promise<boolean[]> {
  const first = await host.batch(targets.map((t) => factCalls.portOpen.call(t.address, t.anyOf[0])));
  const open = first.map((result) => factCalls.portOpen.read(result));
  const retry = targets.flatMap((t, i) =>
    open[i] ? [] : t.anyOf.slice(1).map((port) => ({ i, call: factCalls.portOpen.call(t.address, port) })),
  );
  const retried = await host.batch(retry.map((r) => r.call));
  retried.forEach((result, k) => {
    if (factCalls.portOpen.read(result)) open[retry[k].i] = true;
  });
  return open;
}
