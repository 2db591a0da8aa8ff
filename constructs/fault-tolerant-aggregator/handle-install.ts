/**
 * Installs (or upgrades) one component with InstallAnywhere in silent mode, only when it is not
 * installed at the wanted version. The response file carries the password only on the host, only
 * while the installer runs.
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
  RECEIVE_INSTALLER,
  REMOVE_RESPONSE_FILE,
  RUN_INSTALLER,
  RUN_PYTHON,
  PROBE_PY,
  WORK_DIRECTORY,
} from './commands';
import { installRecordPath, readHostFacts, readInstalledVersion } from './facts';
import { installDecision } from './install-rules';
import { hostHasBytes, readLocalFile } from './local-files';
import { COMPONENT_NAMES } from './netops';
import { parseProbeResults } from './parse';
import { renderResponseFile } from './response-file';

/** The installer on the host: as given, or uploaded from the local file when the host lacks that exact file. */
async function installerOnHost(host: RemoteHost, action: InstallAction): Promise<string> {
  const { installer } = action;
  if (installer.path !== undefined) return installer.path;
  const local = installer.localFile!;
  const bytes = readLocalFile(local, `the installer ${local}`);
  const target = `${WORK_DIRECTORY}/${path.basename(local)}`;
  if (await hostHasBytes(host, target, bytes)) return target;
  const [received] = await host.batch([
    {
      command: { argv: shellScript(RECEIVE_INSTALLER, target) },
      stdin: bytes,
      mustSucceed: true,
      timeoutSeconds: action.installer.timeoutSeconds,
      what: `uploading ${local}`,
    },
  ]);
  if (received.code !== 0)
    throw new StepFailure(`uploading ${local} to ${host.label} failed: ${tail(received.stderr, 3)}`);
  return target;
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
  const installer = await installerOnHost(host, action);
  const responseFile = `${WORK_DIRECTORY}/response-${action.component}.properties`;
  const content = renderResponseFile(
    action.properties,
    action.passwordKey && password !== undefined ? { key: action.passwordKey, value: password } : undefined,
  );
  await context.aboutToChange();
  let result;
  try {
    [result] = await host.batch([
      {
        command: {
          argv: shellScript(
            RUN_INSTALLER,
            installer,
            action.installer.unpackDirectory,
            action.installer.installDirectory,
            installRecordPath(action.installer.installDirectory),
            action.installer.version ?? '',
            responseFile,
          ),
        },
        stdin: content,
        timeoutSeconds: action.installer.timeoutSeconds,
        what: `the ${name} installer`,
      },
    ]);
  } catch (error) {
    // A cut connection or a timeout: the response file must not stay behind with the password.
    await host.run({ argv: shellScript(REMOVE_RESPONSE_FILE, responseFile) }).catch(() => undefined);
    throw error instanceof StepFailure ? new StepFailure(redactSecret(error.message, password)) : error;
  }
  if (result.code !== 0) {
    throw new StepFailure(
      `the ${name} installer (${installer} -i silent) failed on ${host.label} (exit ${result.code}):\n${redactSecret(tail(result.stderr || result.stdout), password)}`,
    );
  }
  await restartIfAggregatorsChanged(host, action, context, true);
  return {
    changed: true,
    detail: `${decision.kind === 'upgrade' ? `upgraded from ${decision.from}` : 'installed'} by ${installer} -i silent`,
  };
};
