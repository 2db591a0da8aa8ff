/**
 * Installs (or upgrades) one component with InstallAnywhere in silent mode, only when it is not
 * installed at the wanted version. The response file carries the password only on the host, only
 * while the installer runs, in a staging directory made for this run alone (see MAKE_STAGING).
 */
import { sleep } from '../../src/runner/sleep';
import * as path from 'node:path';
import { shellScript } from '../../src/dialect/posix';
import { StepFailure } from '../../src/errors';
import type { ActionContext, ActionHandler } from '../../src/runner/action-handler';
import { redactSecret, secretFromEnv } from '../../src/runner/credentials';
import type { RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import type { InstallAction } from './actions';
import {
  INSTALLER_ALTERED_MESSAGE,
  INSTALLER_ALTERED_STATUS,
  MAKE_STAGING,
  RECEIVE_INSTALLER,
  REMOVE_STAGING,
  RUN_INSTALLER,
  RUN_PYTHON,
  PROBE_PY,
} from './commands';
import { HostFacts, installRecordPath, readHostFacts, readInstalledVersion } from './facts';
import { InstallDecision, installDecision, installRecordLine, installVerified } from './install-rules';
import { readLocalFile, sha256Hex } from './local-files';
import { COMPONENT_NAMES } from './netops';
import { ProbeResult, parseProbeResults } from './parse';
import { readCollectorConnections } from './collector-connections';
import {
  aggregatorsNotAnswering,
  collectorRepairReason,
  portsWithoutConnection,
  waitSpecs,
} from './collector-rules';
import { hostLabel } from '../../src/schema/host';
import { renderResponseFile } from './response-file';

/** The staging directory of this run, made fresh on the host; its path as the host printed it. */
async function makeStagingDirectory(host: RemoteHost): Promise<string> {
  const made = await host.runOrFail(
    { argv: shellScript(MAKE_STAGING) },
    'making a private staging directory for the installer',
  );
  const directory = made.stdout.trim();
  if (!directory.startsWith('/') || directory.includes('\n'))
    throw new StepFailure(
      `${host.label}: making a staging directory printed ${JSON.stringify(made.stdout)}, not a path`,
    );
  return directory;
}

/** Where the installer runs from, the SHA-256 it must have there when it was uploaded, and how reports name it. */
interface InstallerOnHost {
  readonly path: string;
  readonly sha256?: string;
  /** The staged copy is gone after the run: an uploaded installer is named by its file on this machine. */
  readonly shown: string;
}

/**
 * The installer on the host: as given, or uploaded from the local file into the staging directory
 * (fresh for each run, so always uploaded; its digest, computed here, is checked before it runs).
 */
async function installerOnHost(
  host: RemoteHost,
  action: InstallAction,
  staging: string,
): Promise<InstallerOnHost> {
  const { installer } = action;
  if (installer.path !== undefined) return { path: installer.path, shown: installer.path };
  const local = installer.localFile!;
  const bytes = readLocalFile(local, `the installer ${local}`);
  const name = path.basename(local);
  const [received] = await host.batch([
    {
      command: { argv: shellScript(RECEIVE_INSTALLER, staging, name) },
      stdin: bytes,
      mustSucceed: true,
      timeoutSeconds: action.installer.timeoutSeconds,
      what: `uploading ${local}`,
    },
  ]);
  if (received.code !== 0)
    throw new StepFailure(`uploading ${local} to ${host.label} failed: ${tail(received.stderr, 3)}`);
  return { path: `${staging}/${name}`, sha256: sha256Hex(bytes), shown: `${local} (uploaded)` };
}

/** Probes TCP connections from the host (PROBE_PY, 3 s each). */
async function probeFrom(host: RemoteHost, specs: readonly string[]): Promise<ProbeResult[]> {
  const result = await host.runOrFail(
    { argv: shellScript(RUN_PYTHON, PROBE_PY, 'wait', host.label, '3', ...specs) },
    'checking that the aggregators answer',
  );
  return parseProbeResults(result.stdout);
}

/**
 * Waits (bounded in time and tries) until both aggregators answer from the collector: each on the
 * standby port (its Consul server; a standby runs no DA process, KB 106988) and the Active one on
 * its web services (aggregatorsNotAnswering).
 */
async function waitForEndpoints(host: RemoteHost, action: InstallAction): Promise<void> {
  const wait = action.waitFor;
  if (!wait) return;
  const deadline = Date.now() + wait.seconds * 1000;
  let missing: string[] = [];
  for (let attempt = 0; attempt < 10_000; attempt++) {
    missing = aggregatorsNotAnswering(wait, await probeFrom(host, waitSpecs(wait)));
    if (missing.length === 0) return;
    if (Date.now() >= deadline) break;
    await sleep(2000);
  }
  throw new StepFailure(
    `${host.label}: the collector waits for both aggregators, and after ${wait.seconds} s ${missing.join('; ')}. A collector installed before its aggregators answer can hang, so nothing was installed: start the aggregators (or open these ports from ${host.label}) and deploy again`,
  );
}

/** How often a collector's connections are read while it connects. */
const CONNECTION_POLL_MS = 1000;

/** The ports the collector is not connected on, after waiting up to `seconds` for them (bounded). */
async function awaitCollectorConnections(
  host: RemoteHost,
  repair: NonNullable<InstallAction['repair']>,
  seconds: number,
): Promise<number[]> {
  const addresses = repair.aggregators.map((a) => a.host.address);
  const deadline = Date.now() + seconds * 1000;
  let missing: number[] = [];
  for (let attempt = 0; attempt < 10_000; attempt++) {
    missing = portsWithoutConnection(
      await readCollectorConnections(host, addresses),
      addresses,
      repair.ports,
    );
    if (missing.length === 0 || Date.now() >= deadline) break;
    await sleep(CONNECTION_POLL_MS);
  }
  return missing;
}

/**
 * Collectors: stops, then starts the collector (never restart: KB 233704) when an aggregator was
 * installed or upgraded since it last started (the aggregators' install records say when; the
 * collector keeps the ones it last started after), or when it holds no established connection to
 * an aggregator on every port: a hung collector's `dcmd status` still says it runs, so what counts
 * is the kernel's list of connections. Then it must connect, in bounded time. Returns why it was
 * repaired (or would be, in a check), or undefined.
 */
async function repairCollectorIfNeeded(
  host: RemoteHost,
  action: InstallAction,
  context: ActionContext,
  justInstalled: boolean,
): Promise<string | undefined> {
  const repair = action.repair;
  if (!repair) return undefined;
  const stamps = await Promise.all(
    repair.aggregators.map(async (a) => {
      const remote = await context.connect(a.host);
      return `${remote.label} ${(await remote.readFile(installRecordPath(a.installDirectory)))?.trim() ?? '-'}`;
    }),
  );
  const seenFile = `${installRecordPath(action.installer.installDirectory)}.aggregators`;
  const wanted = `${stamps.join('\n')}\n`;
  const seen = await host.readFile(seenFile);
  const changed = !justInstalled && seen !== undefined && seen !== wanted;
  // A check reads once; a collector it will repair anyway gets no grace.
  const graceSeconds = context.checkOnly || changed ? 0 : repair.graceSeconds;
  const unconnected = await awaitCollectorConnections(host, repair, graceSeconds);
  const reason = collectorRepairReason(changed, unconnected);
  if (context.checkOnly) return reason;
  if (reason !== undefined) {
    await context.aboutToChange();
    await host.runOrFail(
      { argv: repair.stopCommand },
      `stopping the collector (${repair.stopCommand.join(' ')})`,
    );
    await host.runOrFail(
      { argv: repair.startCommand },
      `starting the collector (${repair.startCommand.join(' ')})`,
    );
    const still = await awaitCollectorConnections(host, repair, repair.connectSeconds);
    if (still.length > 0)
      throw new StepFailure(
        `${host.label}: the collector was stopped and started because ${reason}, and ${repair.connectSeconds} s later it still holds no connection to ${repair.aggregators.map((a) => hostLabel(a.host)).join(' or ')} on TCP ${still.join(', ')}: check that the Active aggregator serves these ports and that they are open from ${host.label}`,
      );
  }
  if (seen !== wanted) await host.writeFile(seenFile, wanted, { mode: '0644' });
  return reason;
}

/** What the install of one component found: its facts, its installed version, and the decision. */
export interface InstallState {
  readonly facts: HostFacts;
  readonly version?: string;
  readonly decision: InstallDecision;
}

/** Reads a component's install state on its host and decides (installDecision). */
export async function readInstallState(
  host: RemoteHost,
  installer: InstallAction['installer'],
): Promise<InstallState> {
  const facts = await readHostFacts(host, installer);
  const version = facts.installed
    ? await readInstalledVersion(host, installer, facts.recordedVersion)
    : undefined;
  const decision = installDecision(installer, facts.installed && facts.recorded, version, facts.installed);
  return { facts, ...(version !== undefined ? { version } : {}), decision };
}

/**
 * Verifies what the installer left (the version command, when there is one, must print the
 * declared version), then writes the completion record atomically: only a verified install has
 * one, so a later run never takes a half-done install for a finished one.
 */
async function recordVerifiedInstall(host: RemoteHost, action: InstallAction, name: string): Promise<void> {
  const { installer } = action;
  const read = installer.versionCommand !== undefined;
  const version = read ? await readInstalledVersion(host, installer, undefined) : undefined;
  const verified = installVerified(installer.version, read, version);
  if (!verified.ok)
    throw new StepFailure(
      `${host.label}: the ${name} installer exited 0, but ${verified.problem}; no completion record was written, so the next deploy treats ${installer.installDirectory} as an unfinished install (rerun with allowUpgrade, or check the installer and versionCommand)`,
    );
  await host.writeFile(
    installRecordPath(installer.installDirectory),
    installRecordLine(installer.version, new Date()),
    { mode: '0644' },
  );
}

/**
 * Runs the component's installer (a first install, or over an installed one), verifies the result
 * and writes its completion record. Returns how it was run, for the report.
 */
export async function runInstaller(
  host: RemoteHost,
  action: InstallAction,
  context: ActionContext,
): Promise<string> {
  const name = COMPONENT_NAMES[action.component];
  const password = action.passwordEnv
    ? secretFromEnv(action.passwordEnv, 'databaseCredentials.passwordEnv, the data repository password')
    : undefined;
  const content = renderResponseFile(
    action.properties,
    action.passwordKey && password !== undefined ? { key: action.passwordKey, value: password } : undefined,
  );
  const staging = await makeStagingDirectory(host);
  let installer: InstallerOnHost;
  let result;
  try {
    installer = await installerOnHost(host, action, staging);
    await context.aboutToChange();
    [result] = await host.batch([
      {
        command: {
          argv: shellScript(
            RUN_INSTALLER,
            installer.path,
            action.installer.unpackDirectory,
            action.installer.installDirectory,
            installRecordPath(action.installer.installDirectory),
            action.installer.version ?? '',
            staging,
            installer.sha256 ?? '',
          ),
        },
        stdin: content,
        timeoutSeconds: action.installer.timeoutSeconds,
        what: `the ${name} installer`,
      },
    ]);
    if (result.code === 0) await recordVerifiedInstall(host, action, name);
  } catch (error) {
    throw error instanceof StepFailure ? new StepFailure(redactSecret(error.message, password)) : error;
  } finally {
    // The installer run removes the directory itself (its trap); this covers a failed upload, a
    // cut connection and a timeout, whose kill runs no trap, so the password never stays behind.
    await host.run({ argv: shellScript(REMOVE_STAGING, staging) }).catch(() => undefined);
  }
  if (result.code === INSTALLER_ALTERED_STATUS && result.stderr.startsWith(INSTALLER_ALTERED_MESSAGE)) {
    // Only root or the login itself can write in the staging directory: say so, install nothing.
    throw new StepFailure(
      `${host.label}: ${result.stderr.trim()} (only root or the login can write there); nothing was installed`,
    );
  }
  if (result.code !== 0) {
    throw new StepFailure(
      `the ${name} installer (${installer.shown} -i silent) failed on ${host.label} (exit ${result.code}):\n${redactSecret(tail(result.stderr || result.stdout), password)}`,
    );
  }
  return `${installer.shown} -i silent`;
}

export const install: ActionHandler<InstallAction> = async (action, context) => {
  const { host } = context;
  const name = COMPONENT_NAMES[action.component];
  const { decision } = await readInstallState(host, action.installer);
  if (decision.kind === 'refuse') throw new StepFailure(`${host.label}: the ${name} is ${decision.reason}`);
  await waitForEndpoints(host, action);
  if (decision.kind === 'leave') {
    const repaired = await repairCollectorIfNeeded(host, action, context, false);
    return {
      changed: repaired !== undefined,
      detail: `${decision.reason}${repaired ? `; ${context.checkOnly ? 'would stop and start' : 'stopped and started'} the collector: ${repaired}` : ''}`,
    };
  }
  if (context.checkOnly)
    return {
      changed: true,
      detail: decision.kind === 'upgrade' ? `would upgrade from ${decision.from}` : 'would install',
    };
  const ran = await runInstaller(host, action, context);
  await repairCollectorIfNeeded(host, action, context, true);
  return {
    changed: true,
    detail: `${decision.kind === 'upgrade' ? `upgraded from ${decision.from}` : 'installed'} by ${ran}`,
  };
};
