/**
 * FaultTolerantAggregator's remote reads. Each is a fact: a command (commands.ts), a pure parser
 * (parse.ts), and what "missing" looks like.
 */
import { shellScript } from '../../src/dialect/posix';
import { StepFailure } from '../../src/errors';
import { type Fact, readFact } from '../../src/frame/fact';
import type { RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import { httpGetThrough } from '../../src/runner/tunnel';
import type { AggregatorRef, InstallerFacts } from './actions';
import {
  DA_RUN,
  DADAEMON_VERB,
  HOST_FACTS,
  INSTALL_RECORDS,
  SHARE_ACCOUNT_PROBE,
  SHARE_WRITE_LOCK_DELETE,
} from './commands';
import { type AggregatorStatus, readAggregatorState, readinessOfCurrentStart } from './health-rules';
import { installRecordName } from './install-rules';
import type { ShareAccountProbe } from './share-account-rules';
import { ACTIVEMQ_STATUS, CONSUL_HTTP_PORT, READINESS_LINE } from './netops';
import {
  ConsulView,
  type DaRun,
  parseAggregatorState,
  parseConsulView,
  parseDaRun,
  parseInstallRecord,
  parseKeyValues,
  parseServiceStatus,
  parseShareAccountProbe,
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
  /** The install directory exists (a half-failed install too: see `recorded`). */
  readonly installed: boolean;
  /** The construct's completion record is there: written only after a verified install. */
  readonly recorded: boolean;
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
    recorded: kv.recorded !== undefined,
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
 * Fact `daRun`: the aggregator's DA process (none on a standby) with its start, and the last
 * readiness line of each of its log files (`logs`, relative to the install directory). Never
 * missing: no process and no line are values.
 */
export function daRunFact(installDirectory: string, logs: string): Fact<DaRun> {
  return {
    name: 'the DA process and its readiness lines',
    call: () => ({ command: { argv: shellScript(DA_RUN, installDirectory, logs, READINESS_LINE) } }),
    parse: parseDaRun,
  };
}

/**
 * Fact `aggregatorStatus`: `dadaemon status` read by `aggregator.statusLine` (or, when it says no
 * state, by `aggregator.unreadableStatus`), and readiness since the current start, in one round
 * trip. Missing (or unreadable): state undefined, with what the command printed.
 */
export async function readAggregatorStatus(
  host: RemoteHost,
  aggregator: AggregatorRef,
): Promise<AggregatorStatus> {
  const run = daRunFact(aggregator.installDirectory, aggregator.readinessLogs);
  const [status, daRun] = await host.batch([
    { command: { argv: shellScript(DADAEMON_VERB, aggregator.installDirectory, 'status') } },
    run.call(host),
  ]);
  const da = readFact(host, run, daRun);
  const { state, readBy } = readAggregatorState(
    parseAggregatorState(status.stdout, aggregator.statusLine),
    status.code,
    da.processes.length > 0,
    aggregator.unreadableStatus,
  );
  const readiness = readinessOfCurrentStart(da, {
    installDirectory: aggregator.installDirectory,
    logs: aggregator.readinessLogs,
  });
  return {
    label: host.label,
    ...(state ? { state, readBy } : {}),
    said: `${status.stdout}${status.stderr}`.trim(),
    code: status.code,
    statusLine: aggregator.statusLine,
    ready: readiness.ready,
    ...(readiness.ready ? {} : { notReady: readiness.why }),
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

/** The longest the share's account probe may take: a hard NFS mount of a dead server hangs. */
const SHARE_PROBE_TIMEOUT_SECONDS = 60;

/**
 * The account the aggregators write the shared directory as, on one aggregator: its IDs and, where
 * the share is mounted, a new file `probeFile` written, locked and deleted in it as the account.
 */
export function shareAccountFact(
  account: string,
  mountPath: string,
  probeFile: string,
): Fact<ShareAccountProbe> {
  return {
    name: `the shared directory as ${account}`,
    call: () => ({
      command: {
        argv: shellScript(SHARE_ACCOUNT_PROBE, account, mountPath, probeFile, SHARE_WRITE_LOCK_DELETE),
      },
      timeoutSeconds: SHARE_PROBE_TIMEOUT_SECONDS,
      what: `the write, lock and delete probe in ${mountPath} as ${account}`,
    }),
    parse: parseShareAccountProbe,
  };
}
