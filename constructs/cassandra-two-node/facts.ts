/**
 * Read-only questions to one Cassandra node, each a fact (src/frame): service state, what nodetool
 * says, the node's cassandra.yaml, whether it holds data, whether a port of the other node answers,
 * whether a restart is still due. A read whose failure is itself the answer (a stopped node, a
 * closed port) reads as a value, so every fact of a node is gathered in one round trip.
 */
import { MISSING_FILE_STATUS } from '../../src/dialect/posix';
import { getYamlValue } from '../../src/edit/yaml';
import { StepFailure } from '../../src/errors';
import type { Fact } from '../../src/frame/fact';
import { tail } from '../../src/runner/remote-host';
import { NodetoolCommand, PORT_CHECK_TIMEOUT_SECONDS, queriesFor, SERVICE_MISSING } from './commands';
import { parseDescribeCluster, parseFirstDataFile, parseReleaseVersion } from './parse';
import type { CassandraLocations } from './props';

export type ServiceState = 'running' | 'stopped' | 'missing';

/** Fact `state`: exit 0 running, 4 no such service (missing), any other status stopped. */
export function serviceStateFact(locations: CassandraLocations): Fact<ServiceState> {
  return {
    name: `the state of the service "${locations.serviceName}"`,
    call: (host) => ({ command: queriesFor(host.isWindows).serviceState(locations.serviceName) }),
    parse: () => 'running',
    missing: { status: SERVICE_MISSING, value: 'missing' },
    failure: () => 'stopped',
  };
}

export interface NodetoolResult {
  readonly ok: boolean;
  readonly output: string;
  /** The failure as a sentence, when not ok. */
  readonly failure?: string;
}

/** Fact `nodetool <command>`: what it printed; a failure (a node that does not answer) is a value. */
export function nodetoolFact(locations: CassandraLocations, command: NodetoolCommand): Fact<NodetoolResult> {
  return {
    name: `nodetool ${command}`,
    call: (host) => ({ command: queriesFor(host.isWindows).nodetool(locations.nodetoolPath, command) }),
    parse: (stdout) => ({ ok: true, output: stdout }),
    failure: (result, host) => {
      const output = `${result.stdout}${result.stderr}`;
      return {
        ok: false,
        output,
        failure: `nodetool ${command} on ${host.label} failed (exit ${result.code})${output.trim() ? `: ${tail(output, 2)}` : ''}`,
      };
    },
  };
}

export type ReleaseResult = { readonly release: string } | { readonly failure: string };

/** The release `nodetool version` reported on the host `label` names, or why it is not known. */
export function releaseFrom(label: string, version: NodetoolResult): ReleaseResult {
  if (!version.ok) return { failure: version.failure! };
  const release = parseReleaseVersion(version.output);
  if (!release)
    return {
      failure: `nodetool version on ${label} printed no "ReleaseVersion: x.y.z" line: ${tail(version.output, 2) || '(nothing)'}`,
    };
  return { release };
}

/** Fact `dataFile`: the first file below the data directory. None (or no directory): undefined. */
export function firstDataFileFact(locations: CassandraLocations): Fact<string | undefined> {
  return {
    name: `the data in ${locations.dataDirectory}`,
    call: (host) => ({ command: queriesFor(host.isWindows).firstDataFile(locations.dataDirectory) }),
    parse: parseFirstDataFile,
  };
}

/**
 * Fact `config`: the node's cassandra.yaml. Missing: undefined. A Windows host sends it in base64
 * (its bytes, whatever their encoding), so the dialect is part of the fact.
 */
export function configFact(locations: CassandraLocations, isWindows: boolean): Fact<string | undefined> {
  return {
    name: locations.configPath,
    call: (host) => host.readFileCall(locations.configPath),
    parse: (stdout) => (isWindows ? Buffer.from(stdout.trim(), 'base64').toString('utf8') : stdout),
    missing: { status: MISSING_FILE_STATUS, value: undefined },
  };
}

/** Fact `pending`: whether the notification `marker` is still due on the host. Missing: false. */
export function pendingFact(marker: string): Fact<boolean> {
  return {
    name: `the pending notification ${marker}`,
    call: (host) => host.readFileCall(host.markerPath(marker)),
    parse: () => true,
    missing: { status: MISSING_FILE_STATUS, value: false },
  };
}

export function configValue(content: string | undefined, key: string): string | undefined {
  if (content === undefined) return undefined;
  try {
    const value = getYamlValue(content, key);
    return value === undefined || value === null ? undefined : String(value);
  } catch {
    return undefined;
  }
}

export interface StoredClusterName {
  readonly name?: string;
  /** Where the name was read, for messages. */
  readonly source: string;
}

/** What storedClusterName reads of a node. */
export interface ClusterNameFacts {
  readonly state: ServiceState;
  /** `nodetool describecluster`: read from a running node. */
  readonly described: NodetoolResult;
  readonly dataFile: string | undefined;
  readonly config: string | undefined;
}

/**
 * The cluster name a node stored at its first start. A running node reports it in
 * `nodetool describecluster` ("Name:"; it would not run under another name). A stopped node
 * cannot be asked: when it holds data, the cluster_name of its cassandra.yaml stands for it (the
 * name it last ran with, unless the file was edited since); without data it stored nothing.
 */
export function storedClusterName(facts: ClusterNameFacts, locations: CassandraLocations): StoredClusterName {
  if (facts.state === 'running') {
    if (!facts.described.ok)
      throw new StepFailure(`${facts.described.failure}. The stored cluster name cannot be read.`);
    const name = parseDescribeCluster(facts.described.output).name;
    return { ...(name !== undefined ? { name } : {}), source: 'nodetool describecluster' };
  }
  if (facts.dataFile === undefined) return { source: `no data in ${locations.dataDirectory}` };
  const name = configValue(facts.config, 'cluster_name');
  return {
    ...(name !== undefined ? { name } : {}),
    source: `cluster_name in ${locations.configPath} (the node is stopped and holds data)`,
  };
}

export interface PortAnswer {
  readonly ok: boolean;
  readonly detail: string;
}

/** Fact `port`: whether `address:port` answers a TCP handshake started on the host. */
export function portFact(address: string, port: number): Fact<PortAnswer> {
  return {
    name: `a connection to ${address}:${port}`,
    call: (host) => ({ command: queriesFor(host.isWindows).portCheck(address, port) }),
    parse: () => ({ ok: true, detail: '' }),
    failure: (result) => {
      const said = `${result.stdout}${result.stderr}`;
      // 124 is `timeout`'s own status: the handshake got no answer at all, as when a firewall drops it.
      if (result.code === 124)
        return {
          ok: false,
          detail: `no answer within ${PORT_CHECK_TIMEOUT_SECONDS} s, as when a firewall drops the traffic`,
        };
      if (/refused/i.test(said))
        return { ok: false, detail: 'connection refused: nothing listens there, or a firewall rejects it' };
      return { ok: false, detail: tail(said, 1).trim() || `exit ${result.code}` };
    },
  };
}
