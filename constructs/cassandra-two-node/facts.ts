/**
 * Read-only questions to one Cassandra node, over its RemoteHost: service state, release, the
 * cluster name it stored, whether it holds data, whether a port of the other node answers.
 */
import { getYamlValue } from '../../src/edit/yaml';
import { StepFailure } from '../../src/errors';
import { RemoteHost, tail } from '../../src/runner/remote-host';
import {
  NodetoolCommand,
  PORT_CHECK_TIMEOUT_SECONDS,
  queriesFor,
  SERVICE_MISSING,
  SERVICE_RUNNING,
} from './commands';
import { parseDescribeCluster, parseReleaseVersion } from './parse';
import type { CassandraLocations } from './props';

export type ServiceState = 'running' | 'stopped' | 'missing';

export async function serviceState(host: RemoteHost, locations: CassandraLocations): Promise<ServiceState> {
  const result = await host.run(queriesFor(host.isWindows).serviceState(locations.serviceName));
  if (result.code === SERVICE_RUNNING) return 'running';
  if (result.code === SERVICE_MISSING) return 'missing';
  return 'stopped';
}

export interface NodetoolResult {
  readonly ok: boolean;
  readonly output: string;
  /** The failure as a sentence, when not ok. */
  readonly failure?: string;
}

export async function nodetool(
  host: RemoteHost,
  locations: CassandraLocations,
  command: NodetoolCommand,
): Promise<NodetoolResult> {
  const result = await host.run(queriesFor(host.isWindows).nodetool(locations.nodetoolPath, command));
  const output = `${result.stdout}${result.stderr}`;
  if (result.code === 0) return { ok: true, output: result.stdout };
  return {
    ok: false,
    output,
    failure: `nodetool ${command} on ${host.label} failed (exit ${result.code})${output.trim() ? `: ${tail(output, 2)}` : ''}`,
  };
}

export type ReleaseResult = { readonly release: string } | { readonly failure: string };

export async function releaseOf(host: RemoteHost, locations: CassandraLocations): Promise<ReleaseResult> {
  const result = await nodetool(host, locations, 'version');
  if (!result.ok) return { failure: result.failure! };
  const release = parseReleaseVersion(result.output);
  if (!release)
    return {
      failure: `nodetool version on ${host.label} printed no "ReleaseVersion: x.y.z" line: ${tail(result.output, 2) || '(nothing)'}`,
    };
  return { release };
}

/** The first file below the data directory, or undefined when the node holds no data. */
export async function firstDataFile(
  host: RemoteHost,
  locations: CassandraLocations,
): Promise<string | undefined> {
  const result = await host.runOrFail(
    queriesFor(host.isWindows).firstDataFile(locations.dataDirectory),
    `looking for data in ${locations.dataDirectory}`,
  );
  const first = result.stdout.trim().split(/\r?\n/)[0];
  return first ? first : undefined;
}

export async function readConfig(
  host: RemoteHost,
  locations: CassandraLocations,
): Promise<string | undefined> {
  return host.readFile(locations.configPath);
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

/**
 * The cluster name a node stored at its first start. A running node reports it in
 * `nodetool describecluster` ("Name:"; it would not run under another name). A stopped node
 * cannot be asked: when it holds data, the cluster_name of its cassandra.yaml stands for it (the
 * name it last ran with, unless the file was edited since); without data it stored nothing.
 */
export async function storedClusterName(
  host: RemoteHost,
  locations: CassandraLocations,
  state: ServiceState,
  config: string | undefined,
): Promise<StoredClusterName> {
  if (state === 'running') {
    const result = await nodetool(host, locations, 'describecluster');
    if (!result.ok) throw new StepFailure(`${result.failure}. The stored cluster name cannot be read.`);
    const name = parseDescribeCluster(result.output).name;
    return { ...(name !== undefined ? { name } : {}), source: 'nodetool describecluster' };
  }
  const data = await firstDataFile(host, locations);
  if (data === undefined) return { source: `no data in ${locations.dataDirectory}` };
  const name = configValue(config, 'cluster_name');
  return {
    ...(name !== undefined ? { name } : {}),
    source: `cluster_name in ${locations.configPath} (the node is stopped and holds data)`,
  };
}

/** Whether `to:port` answers a TCP handshake started on `from`. */
export async function portAnswers(
  from: RemoteHost,
  address: string,
  port: number,
): Promise<{ ok: boolean; detail: string }> {
  const result = await from.run(queriesFor(from.isWindows).portCheck(address, port));
  if (result.code === 0) return { ok: true, detail: '' };
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
}
