/**
 * A DataMiner agent's facts, each read with a constant PowerShell primitive and parsed by a pure
 * parser (parse.ts), as the core's frame has them (src/frame/fact.ts): gathered in one batch (one
 * round trip) whatever their number. "Missing" (exit MISSING_STATUS, or a file that is not there)
 * is undefined unless a fact says otherwise.
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
import { MISSING_FILE_STATUS } from '../../src/dialect/posix';
import { StepFailure } from '../../src/errors';
import { Fact, FactValues, gatherFacts } from '../../src/frame/fact';
import type { CommandResult, RemoteHost } from '../../src/runner/remote-host';
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
  Adapter,
  DmsView,
  parseAdapters,
  parseAnswer,
  parseBrokerGateway,
  parseDataMinerId,
  parseDmsXml,
  parseHttps,
  parseVersionHistory,
} from './parse';

/** A failed read, in the words of what was being read: the host, what, the exit and the output. */
const failedTo =
  (what: string) =>
  (result: CommandResult, host: RemoteHost): never => {
    throw new StepFailure(
      `${host.label}: ${what} failed (exit ${result.code}): ${tail(result.stderr || result.stdout, 3)}`,
    );
  };

/** The lines a primitive printed, trimmed, without empty ones. */
const lines = (stdout: string): string[] =>
  stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** A probe: its exit status is the answer (0: yes; any other: no). */
function probe(name: string, powershell: string, vars: Record<string, string>): Fact<boolean> {
  return {
    name,
    call: () => ({ command: { powershell, vars } }),
    parse: () => true,
    failure: () => false,
  };
}

/**
 * A file's content; missing: undefined. DataMiner agents are Windows hosts, whose READ_FILE_PS
 * prints the content as base64 (RemoteHost.fileContent's reading).
 */
export function fileFact(path: string): Fact<string | undefined> {
  return {
    name: path,
    call: (host) => host.readFileCall(path),
    parse: (stdout) => Buffer.from(stdout.trim(), 'base64').toString('utf8'),
    missing: { status: MISSING_FILE_STATUS, value: undefined },
    failure: (result, host) => {
      throw new StepFailure(
        `cannot read ${path} on ${host.label} (exit ${result.code}): ${tail(result.stderr, 3)}`,
      );
    },
  };
}

/** A file or folder exists. */
export const pathExistsFact = (path: string): Fact<boolean> =>
  probe(`whether ${path} exists`, PATH_EXISTS_PS, { path });

/** IIS Application Request Routing is installed. */
export const ARR_FACT: Fact<boolean> = pathExistsFact(ARR_FOLDER);

/** The SLDataMiner process runs (its service name is not documented; the process is). */
export const DATAMINER_RUNNING_FACT: Fact<boolean> = {
  name: 'the SLDataMiner process',
  call: () => ({ command: { powershell: PROCESS_STATE_PS, vars: { name: DATAMINER_PROCESS } } }),
  parse: (stdout) => stdout.trim() === 'Running',
  missing: { status: MISSING_STATUS, value: false },
  failure: failedTo('looking for the SLDataMiner process'),
};

/** The element folders; missing: undefined (no Elements folder). */
export const elementsFact = (path: string): Fact<string[] | undefined> => ({
  name: 'the elements',
  call: () => ({ command: { powershell: LIST_FOLDERS_PS, vars: { path } } }),
  parse: lines,
  missing: { status: MISSING_STATUS, value: undefined },
  failure: failedTo('listing the elements'),
});

/** The network adapters in use with their IPv4 addresses; missing: none. */
export const ADAPTERS_FACT: Fact<Adapter[]> = {
  name: 'the network adapters',
  call: () => ({ command: { powershell: LIST_ADAPTER_ADDRESSES_PS, vars: {} } }),
  parse: parseAdapters,
  missing: { status: MISSING_STATUS, value: parseAdapters('') },
  failure: failedTo('listing the network adapters'),
};

/** Whether anything answers ping or ARP at the address, seen from this host; missing: nothing answers. */
export const answersAtFact = (address: string): Fact<ReturnType<typeof parseAnswer>> => ({
  name: `what answers at ${address}`,
  call: () => ({ command: { powershell: ANSWERS_AT_PS, vars: { address } } }),
  parse: parseAnswer,
  missing: { status: MISSING_STATUS, value: parseAnswer('') },
  failure: failedTo(`checking whether anything answers at ${address}`),
});

/** The IPv4 addresses a name resolves to from this host; missing: undefined. */
export const resolutionFact = (name: string): Fact<string[] | undefined> => ({
  name: `the addresses of ${name}`,
  call: () => ({ command: { powershell: RESOLVE_NAME_PS, vars: { name } } }),
  parse: lines,
  missing: { status: MISSING_STATUS, value: undefined },
  failure: failedTo(`resolving ${name}`),
});

/** The name an address resolves back to from this host; missing: undefined. */
export const reverseFact = (address: string): Fact<string | undefined> => ({
  name: `the reverse lookup of ${address}`,
  call: () => ({ command: { powershell: REVERSE_LOOKUP_PS, vars: { address } } }),
  parse: (stdout) => stdout.trim() || undefined,
  missing: { status: MISSING_STATUS, value: undefined },
  failure: failedTo(`the reverse lookup of ${address}`),
});

/** A TLS handshake from this host with a database server, and where its CA is trusted; a failure says why. */
export const tlsHandshakeFact = (server: TlsDatabaseServer): Fact<TlsHandshake | { failed: string }> => ({
  name: `a TLS handshake with ${server.host}:${server.port}`,
  call: () => ({
    command: {
      powershell: TLS_CHECK_PS,
      vars: { address: server.host, port: String(server.port), name: server.host, timeoutMs: '5000' },
    },
    timeoutSeconds: 30,
  }),
  parse: parseTlsHandshake,
  failure: (result) => ({ failed: tail(result.stdout || result.stderr, 2) || `exit ${result.code}` }),
});

/** A TCP connection from this host to address:port completes within 3 s. */
export const portOpenFact = (address: string, port: number): Fact<boolean> =>
  probe(`TCP ${address}:${port}`, PORT_CHECK_PS, { address, port: String(port), timeoutMs: '3000' });

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

/** Everything the preparation reads on one agent, one primitive per fact. */
export function agentFactSet(agent: AgentRef) {
  const at = (relative: string) => inInstallDir(agent.installDir, relative);
  return {
    running: DATAMINER_RUNNING_FACT,
    elements: elementsFact(at(DATAMINER_FILES.elements)),
    licenceFiles: LICENCE_FILES.map((name) => pathExistsFact(at(name))),
    natsRepair: pathExistsFact(at(NATS_REPAIR)),
    dataMinerXml: fileFact(at(DATAMINER_FILES.dataMiner)),
    dmsXml: fileFact(at(DATAMINER_FILES.dms)),
    dbXml: fileFact(at(DATAMINER_FILES.db)),
    maintenance: fileFact(at(DATAMINER_FILES.maintenance)),
    versionHistory: fileFact(at(DATAMINER_FILES.versionHistory)),
    dbConfigurations: DB_CONFIGURATION_FOLDERS.map((folder) =>
      fileFact(at(`${folder}\\${DB_CONFIGURATION_FILE}`)),
    ),
  };
}

export type AgentFactValues = FactValues<ReturnType<typeof agentFactSet>>;

/** An agent's facts as the rules read them (pure): its files parsed, a file that does not parse noted. */
export function agentFactsFrom(label: string, values: AgentFactValues): AgentFacts {
  const { dataMinerXml, dmsXml, dbXml, maintenance, versionHistory, elements } = values;
  const folder = DB_CONFIGURATION_FOLDERS.find((_, i) => values.dbConfigurations[i] !== undefined);
  const dbConfiguration =
    folder !== undefined
      ? { folder, xml: values.dbConfigurations[DB_CONFIGURATION_FOLDERS.indexOf(folder)]! }
      : undefined;
  const unreadable: string[] = [];
  const parsed = <T>(name: string, text: string | undefined, parse: (t: string) => T): T | undefined => {
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch (error) {
      unreadable.push(`${label}: ${name} does not parse (${(error as Error).message})`);
      return undefined;
    }
  };
  const id = parsed('DataMiner.xml', dataMinerXml, parseDataMinerId);
  const dms = parsed('DMS.xml', dmsXml, parseDmsXml);
  const https = parsed('MaintenanceSettings.xml', maintenance, parseHttps) ?? { enabled: false };
  const brokerGateway = parsed('MaintenanceSettings.xml', maintenance, parseBrokerGateway) ?? false;
  const version = versionHistory !== undefined ? parseVersionHistory(versionHistory) : undefined;
  return {
    label,
    running: values.running,
    ...(dataMinerXml !== undefined ? { dataMinerXml } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(dms ? { dms } : {}),
    ...(dmsXml !== undefined ? { dmsXml } : {}),
    ...(dbXml !== undefined ? { dbXml } : {}),
    https,
    brokerGateway,
    natsRepair: values.natsRepair,
    ...(version ? { version } : {}),
    ...(elements !== undefined ? { elements } : {}),
    licence: values.licenceFiles.some(Boolean),
    ...(dbConfiguration ? { dbConfiguration } : {}),
    unreadable,
  };
}

/** Fact `agent`: every fact of agentFactSet, in one batch (one round trip). */
export async function readAgentFacts(host: RemoteHost, agent: AgentRef): Promise<AgentFacts> {
  return agentFactsFrom(host.label, await gatherFacts(host, agentFactSet(agent)));
}

/** Fact `adapters`, on its own. */
export async function readAdapters(host: RemoteHost): Promise<Adapter[]> {
  return (await gatherFacts(host, { adapters: ADAPTERS_FACT })).adapters;
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
  const { open } = await gatherFacts(host, {
    open: targets.map((t) => portOpenFact(t.address, t.anyOf[0])),
  });
  const retry = targets.flatMap((t, i) =>
    open[i] ? [] : t.anyOf.slice(1).map((port) => ({ i, fact: portOpenFact(t.address, port) })),
  );
  if (retry.length === 0) return open;
  const retried = await gatherFacts(host, { open: retry.map((r) => r.fact) });
  retried.open.forEach((answered, k) => {
    if (answered) open[retry[k].i] = true;
  });
  return open;
}
