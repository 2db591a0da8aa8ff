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
  SERVICE_STATUS_PS,
} from '../../src/dialect/windows-primitives';
import { StepFailure } from '../../src/errors';
import type { RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import { PORT_CHECK_PS } from '../cassandra-two-node';
import type { AgentRef } from './actions';
import {
  ARR_FOLDER,
  DATAMINER_FILES,
  DATAMINER_SERVICE,
  DB_CONFIGURATION_FILE,
  DB_CONFIGURATION_FOLDERS,
  inInstallDir,
  LICENCE_FILES,
} from './commands';
import {
  DmsView,
  parseAdapters,
  parseAnswer,
  parseDataMinerId,
  parseDmsXml,
  parseHttps,
  parseVersionHistory,
} from './parse';

async function runOrMissing(
  host: RemoteHost,
  powershell: string,
  vars: Record<string, string>,
  what: string,
) {
  const result = await host.run({ powershell, vars });
  if (result.code === MISSING_STATUS) return undefined;
  if (result.code !== 0)
    throw new StepFailure(
      `${host.label}: ${what} failed (exit ${result.code}): ${tail(result.stderr || result.stdout, 3)}`,
    );
  return result.stdout;
}

export interface AgentFacts {
  readonly label: string;
  /** Running, Stopped, ...; missing: no SLDataMiner service. */
  readonly service?: string;
  readonly dataMinerXml?: string;
  readonly id?: number;
  readonly dms?: DmsView;
  readonly dbXml?: string;
  readonly https: { enabled: boolean; name?: string };
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

/** Fact `agent`: everything the preparation reads on one agent, one primitive per read. */
export async function readAgentFacts(host: RemoteHost, agent: AgentRef): Promise<AgentFacts> {
  const file = (relative: string) => host.readFile(inInstallDir(agent.installDir, relative));
  const service = (
    await runOrMissing(
      host,
      SERVICE_STATUS_PS,
      { name: DATAMINER_SERVICE },
      'reading the SLDataMiner service',
    )
  )?.trim();
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
  const dataMinerXml = await file(DATAMINER_FILES.dataMiner);
  const dmsXml = await file(DATAMINER_FILES.dms);
  const dbXml = await file(DATAMINER_FILES.db);
  const maintenance = await file(DATAMINER_FILES.maintenance);
  const history = await file(DATAMINER_FILES.versionHistory);
  const elements = await runOrMissing(
    host,
    LIST_FOLDERS_PS,
    { path: inInstallDir(agent.installDir, DATAMINER_FILES.elements) },
    'listing the elements',
  );
  let licence = false;
  for (const name of LICENCE_FILES)
    if (
      (await host.run({ powershell: PATH_EXISTS_PS, vars: { path: inInstallDir(agent.installDir, name) } }))
        .code === 0
    )
      licence = true;
  let dbConfiguration: AgentFacts['dbConfiguration'];
  for (const folder of DB_CONFIGURATION_FOLDERS) {
    const xml = await file(`${folder}\\${DB_CONFIGURATION_FILE}`);
    if (xml !== undefined && !dbConfiguration) dbConfiguration = { folder, xml };
  }
  const id = parsed('DataMiner.xml', dataMinerXml, parseDataMinerId);
  const dms = parsed('DMS.xml', dmsXml, parseDmsXml);
  const https = parsed('MaintenanceSettings.xml', maintenance, parseHttps) ?? { enabled: false };
  return {
    label: host.label,
    ...(service ? { service } : {}),
    ...(dataMinerXml !== undefined ? { dataMinerXml } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(dms ? { dms } : {}),
    ...(dbXml !== undefined ? { dbXml } : {}),
    https,
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

/** Fact `adapters`: the network adapters in use with their IPv4 addresses. */
export async function readAdapters(host: RemoteHost) {
  const out = await runOrMissing(host, LIST_ADAPTER_ADDRESSES_PS, {}, 'listing the network adapters');
  return parseAdapters(out ?? '');
}

/** Fact `answersAt`: whether anything answers ping or ARP at the address, seen from this host. */
export async function readAnswersAt(host: RemoteHost, address: string) {
  const out = await runOrMissing(
    host,
    ANSWERS_AT_PS,
    { address },
    `checking whether anything answers at ${address}`,
  );
  return parseAnswer(out ?? '');
}

/** Fact `resolve`: the IPv4 addresses a name resolves to from this host; missing: undefined. */
export async function readResolution(host: RemoteHost, name: string): Promise<string[] | undefined> {
  const out = await runOrMissing(host, RESOLVE_NAME_PS, { name }, `resolving ${name}`);
  return out === undefined
    ? undefined
    : out
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean);
}

/** Fact `arr`: IIS Application Request Routing is installed. */
export async function readArrInstalled(host: RemoteHost): Promise<boolean> {
  return (await host.run({ powershell: PATH_EXISTS_PS, vars: { path: ARR_FOLDER } })).code === 0;
}

/** Fact `port`: a TCP connection from this host to address:port completes within 3 s. */
export async function readPortOpen(host: RemoteHost, address: string, port: number): Promise<boolean> {
  const r = await host.run({
    powershell: PORT_CHECK_PS,
    vars: { address, port: String(port), timeoutMs: '3000' },
  });
  return r.code === 0;
}
