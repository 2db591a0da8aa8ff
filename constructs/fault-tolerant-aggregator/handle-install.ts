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
import { installRecordPath, readHostFacts, readInstalledVersion } from './facts';
import { installDecision } from './install-rules';
import { readLocalFile, sha256Hex } from './local-files';
import { COMPONENT_NAMES } from './netops';
import { parseProbeResults } from './parse';
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

/** Waits (bounded) until one of the endpoints (the active aggregator) answers TCP from the host. */
async function waitForEndpoints(host: RemoteHost, action: InstallAction): Promise<void> {
  const endpoints = action.waitFor ?? [];
  if (endpoints.length === 0) return;
  const deadline = Date.now() + (action.waitSeconds ?? 900) * 1000;
  const specs = endpoints.map((e) => `tcp:${e.address}:${e.port}:connect`);
  let last: string[] = [];
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const result = await host.runOrFail(
      { argv: shellScript(RUN_PYTHON, PROBE_PY, 'wait', host.label, '3', ...specs) },
      'checking that the aggregators answer',
    );
    const results = parseProbeResults(result.stdout);
    last = results
      .filter((r) => !r.ok)
      .map((r) => {
        const e = endpoints[specs.indexOf(r.spec)];
        return `${e.label} port ${e.port}: ${r.error ?? 'closed'}`;
      });
    if (results.some((r) => r.ok)) return;
    if (Date.now() >= deadline) break;
    await sleep(2000);
  }
  throw new StepFailure(
    `${host.label}: no data aggregator answered within ${action.waitSeconds} s (${last.join('; ')}); a collector installed before its aggregator can hang, so it was not installed`,
  );
}

/**
 * Collectors: when an aggregator was installed or upgraded since the collector last (re)started,
 * restart it once both answer. The aggregators' install records say when; the collector keeps the
 * ones it last started after.
 */
async function restartIfAggregatorsChanged(
  host: RemoteHost,
  action: InstallAction,
  context: ActionContext,
  justInstalled: boolean,
): Promise<boolean> {
  const restart = action.restartAfter;
  if (!restart) return false;
  const stamps = await Promise.all(
    restart.aggregators.map(async (a) => {
      const remote = await context.connect(a.host);
      return `${remote.label} ${(await remote.readFile(installRecordPath(a.installDirectory)))?.trim() ?? '-'}`;
    }),
  );
  const seenFile = `${installRecordPath(action.installer.installDirectory)}.aggregators`;
  const wanted = `${stamps.join('\n')}\n`;
  const seen = await host.readFile(seenFile);
  if (seen === wanted) return false;
  if (!justInstalled && seen !== undefined) {
    if (context.checkOnly) return true;
    await host.runOrFail(
      { argv: restart.command },
      `restarting the collector (${restart.command.join(' ')})`,
    );
  }
  if (!context.checkOnly) await host.writeFile(seenFile, wanted, { mode: '0644' });
  return !justInstalled && seen !== undefined;
}

export const install: ActionHandler<InstallAction> = async (action, context) => {
  const { host } = context;
  const name = COMPONENT_NAMES[action.component];
  const facts = await readHostFacts(host, action.installer);
  const version = facts.installed
    ? await readInstalledVersion(host, action.installer, facts.recordedVersion)
    : undefined;
  const decision = installDecision(action.installer, facts.installed, version);
  if (decision.kind === 'refuse') throw new StepFailure(`${host.label}: the ${name} is ${decision.reason}`);
  await waitForEndpoints(host, action);
  if (decision.kind === 'leave') {
    const restarted = await restartIfAggregatorsChanged(host, action, context, false);
    return {
      changed: restarted,
      detail: `${decision.reason}${restarted ? '; restarted after the aggregators changed' : ''}`,
    };
  }
  if (context.checkOnly)
    return {
      changed: true,
      detail: decision.kind === 'upgrade' ? `would upgrade from ${decision.from}` : 'would install',
    };

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
  await restartIfAggregatorsChanged(host, action, context, true);
  return {
    changed: true,
    detail: `${decision.kind === 'upgrade' ? `upgraded from ${decision.from}` : 'installed'} by ${installer.shown} -i silent`,
  };
};
