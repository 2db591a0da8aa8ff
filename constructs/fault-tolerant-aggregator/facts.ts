/**
 * FaultTolerantAggregator's remote reads. Each is a fact: a command (commands.ts), a pure parser
 * (parse.ts), and what "missing" looks like.
 */
import { shellScript } from '../../src/dialect/posix';
import { StepFailure } from '../../src/errors';
import type { RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import { httpGetThrough } from '../../src/runner/tunnel';
import type { AggregatorRef, InstallerFacts } from './actions';
import { DADAEMON_VERB, HOST_FACTS, INSTALL_RECORDS, READINESS_LOGGED } from './commands';
import type { AggregatorStatus } from './health-rules';
import { installRecordName } from './install-rules';
import { ACTIVEMQ_STATUS, CONSUL_HTTP_PORT, READINESS_LINE } from './netops';
import {
  ConsulView,
  parseAggregatorState,
  parseConsulView,
  parseInstallRecord,
  parseKeyValues,
  parseServiceStatus,
  ServiceState,
} from './parse';

export interface HostFacts {
  readonly os: string;
  /** The Python the probes run with; missing: ''. */
  readonly python: string;
  /** Missing: undefined when the installer is uploaded (no path to look at). */
  readonly installer?: 'executable' | 'missing' | 'not-executable';
  /** The nearest existing directory of the unpack directory, and its free space. */
  readonly unpackDirectory: string;
  readonly freeKiB: number;
  readonly installed: boolean;
  /** The version recorded at this construct's install; missing: undefined. */
  readonly recordedVersion?: string;
  readonly recordedStamp?: string;
}

export const installRecordPath = (installDirectory: string) =>
  `${INSTALL_RECORDS}/${installRecordName(installDirectory)}`;

/** Fact `host`: platform, probe interpreter, installer, free space, install state. */
export async function readHostFacts(host: RemoteHost, installer: InstallerFacts): Promise<HostFacts> {
  const result = await host.runOrFail(
    {
      argv: shellScript(
        HOST_FACTS,
        installer.path ?? '',
        installer.unpackDirectory,
        installer.installDirectory,
        installRecordPath(installer.installDirectory),
      ),
    },
    'gathering facts for the preflight',
  );
  const kv = parseKeyValues(result.stdout);
  const record = parseInstallRecord(kv.recorded);
  return {
    os: kv.os ?? '',
    python: kv.python ?? '',
    ...(kv.installer ? { installer: kv.installer as HostFacts['installer'] } : {}),
    unpackDirectory: kv.unpack ?? installer.unpackDirectory,
    freeKiB: Number(kv.freeKiB ?? 'NaN'),
    installed: kv.installed === 'yes',
    ...(record.version ? { recordedVersion: record.version } : {}),
    ...(record.stamp ? { recordedStamp: record.stamp } : {}),
  };
}

/**
 * Fact `installedVersion`: what `versionCommand` prints (its first line), else the recorded
 * version. Missing: undefined.
 */
export async function readInstalledVersion(
  host: RemoteHost,
  installer: InstallerFacts,
  recorded: string | undefined,
): Promise<string | undefined> {
  if (!installer.versionCommand) return recorded;
  const result = await host.runOrFail(
    { argv: installer.versionCommand },
    'reading the installed version (versionCommand)',
  );
  return result.stdout.trim().split('\n')[0]?.trim() || undefined;
}

/**
 * Fact `aggregatorStatus`: `dadaemon status` read by `aggregator.statusLine`, and the readiness
 * line. Missing (or unreadable): state undefined, with what the command printed.
 */
export async function readAggregatorStatus(
  host: RemoteHost,
  aggregator: AggregatorRef,
): Promise<AggregatorStatus> {
  const [status, ready] = await host.batch([
    { command: { argv: shellScript(DADAEMON_VERB, aggregator.installDirectory, 'status') } },
    { command: { argv: shellScript(READINESS_LOGGED, aggregator.installDirectory, READINESS_LINE) } },
  ]);
  const state = parseAggregatorState(status.stdout, aggregator.statusLine);
  return {
    label: host.label,
    ...(state ? { state } : {}),
    said: `${status.stdout}${status.stderr}`.trim(),
    code: status.code,
    statusLine: aggregator.statusLine,
    ready: ready.code === 0,
  };
}

export interface ActiveMqStatus {
  readonly state: ServiceState;
  /** What `service activemq status` printed, for messages. */
  readonly said: string;
  readonly code: number | null;
}

/** Fact `activeMq`: `service activemq status` as an LSB status answer (parseServiceStatus). */
export async function readActiveMqStatus(host: RemoteHost): Promise<ActiveMqStatus> {
  const result = await host.run({ argv: ACTIVEMQ_STATUS });
  const said = `${result.stdout}${result.stderr}`.trim();
  return { state: parseServiceStatus(result.code, said), said, code: result.code };
}

/** Fact `consul`: leader, peers, members and critical checks from the proxy's Consul HTTP API. */
export async function readConsulView(proxy: RemoteHost): Promise<ConsulView> {
  const get = async (path: string) => {
    const answer = await httpGetThrough(proxy, '127.0.0.1', CONSUL_HTTP_PORT, path);
    if (answer.status !== 200)
      throw new StepFailure(
        `${proxy.label}: Consul answered ${path} with HTTP ${answer.status}: ${tail(answer.body, 2)}`,
      );
    return answer.body;
  };
  const [leader, peers, members, critical] = await Promise.all(
    ['/v1/status/leader', '/v1/status/peers', '/v1/agent/members', '/v1/health/state/critical'].map(get),
  );
  try {
    return parseConsulView(leader, peers, members, critical);
  } catch (error) {
    throw new StepFailure(
      `${proxy.label}: the Consul API returned something unexpected: ${(error as Error).message}`,
    );
  }
}
