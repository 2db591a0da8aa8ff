/**
 * The backup's preparation, only when something differs: DataMiner stopped on the backup (never
 * on the primary), its files written atomically with a backup copy, DataMiner started again and
 * awaited. A start left due by a failed run is kept as a pending marker and done on the next run.
 */
import { AWAIT_PROCESS_PS, RUN_AND_WAIT_PS } from '../../src/dialect/windows-primitives';
import { StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import { secretFromEnv } from '../../src/runner/credentials';
import type { RemoteCall, RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import type { AgentRef, PrepareBackupAction } from './actions';
import { backupChanges, priorityOrderProblems } from './backup-changes';
import { databaseEntries } from './parse';
import { passwordSources } from './passwords';
import { DATAMINER_PROCESS, inInstallDir } from './commands';
import { factCalls, readAgentFacts } from './facts';
import { connectAgents } from './handle-preflight';
import { planRedirects, RedirectPlan, redirectXml } from './redirects';
import { metadataFiles } from './saml';
import { ABSOLUTE_WINDOWS_PATH } from '../../src/schema/actions';
import { parseDataMinerVersion } from './versions';

/** Pending marker: DataMiner was stopped on the backup and is not known to run again yet. */
const START_DUE = 'dataminer-start-due';

/** `start /wait SLTaskbarUtility.exe <argument>`, as the vendor documents it; a non-zero %errorlevel% fails. */
function taskbarUtility(agent: AgentRef, argument: '-stop' | '-start', timeoutSeconds?: number): RemoteCall {
  return {
    command: { powershell: RUN_AND_WAIT_PS, vars: { program: agent.taskbarUtility, argument } },
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    mustSucceed: true,
    what: `${agent.taskbarUtility} ${argument}`,
  };
}

async function stopDataMiner(host: RemoteHost, agent: AgentRef): Promise<void> {
  const [result] = await host.batch([taskbarUtility(agent, '-stop')]);
  if (result.code !== 0)
    throw new StepFailure(
      `stopping DataMiner on ${host.label} (SLTaskbarUtility.exe -stop) failed (exit ${result.code}): ${tail(result.stdout || result.stderr, 3)}`,
    );
}

/** Starts DataMiner and waits for its process, in one round trip. */
async function startDataMiner(host: RemoteHost, agent: AgentRef, seconds: number): Promise<void> {
  const [start, running] = await host.batch([
    taskbarUtility(agent, '-start', seconds + 60),
    {
      command: { powershell: AWAIT_PROCESS_PS, vars: { name: DATAMINER_PROCESS, seconds: String(seconds) } },
      timeoutSeconds: seconds + 60,
      what: 'waiting for DataMiner to run',
    },
  ]);
  if (start.code !== 0)
    throw new StepFailure(
      `starting DataMiner on ${host.label} (SLTaskbarUtility.exe -start) failed (exit ${start.code}): ${tail(start.stdout || start.stderr, 3)}; look at its logs and start it again`,
    );
  if (running.code !== 0)
    throw new StepFailure(
      `DataMiner did not run again on ${host.label} within ${seconds} s: ${tail(running.stdout || running.stderr, 3)}; start it (SLTaskbarUtility.exe -start) and look at its logs`,
    );
}

/** The backup's redirect to the primary, when the primary uses redirects and the backup has none. */
function redirectLine(action: PrepareBackupAction, plan: RedirectPlan): string | undefined {
  const wanted = plan.backupMissing;
  if (!wanted) return undefined;
  if (!wanted.user) return redirectXml(wanted, undefined);
  if (!action.redirectPasswordEnv)
    throw new StepFailure(
      `the backup needs a redirect to the primary logging on as "${wanted.user}": set redirectPasswordEnv; nothing was changed`,
    );
  return redirectXml(
    wanted,
    secretFromEnv(action.redirectPasswordEnv, "the password of the backup's redirect to the primary"),
  );
}

/** The SAML metadata files the primary names, read on both agents (one round trip each). */
async function metadataFilesOf(primary: RemoteHost, backup: RemoteHost, dataMinerXml: string | undefined) {
  const { paths } = dataMinerXml ? metadataFiles(dataMinerXml) : { paths: [] };
  if (paths.length === 0) return [];
  const [onPrimary, onBackup] = await Promise.all(
    [primary, backup].map(async (host) => {
      const results = await host.batch(paths.map((path) => factCalls.file.call(host, path)));
      return paths.map((path, i) => factCalls.file.read(host, results[i], path));
    }),
  );
  return paths.map((path, i) => {
    const content = onPrimary[i];
    if (content === undefined)
      throw new StepFailure(
        `${primary.label}: the SAML metadata file ${path} that DataMiner.xml names is not there; nothing was changed`,
      );
    return { path, primary: content, ...(onBackup[i] !== undefined ? { backup: onBackup[i] } : {}) };
  });
}

export const prepareBackup: ActionHandler<PrepareBackupAction> = async (action, context) => {
  const agents = await connectAgents(action, context);
  const [primary, backup] = [agents.primary.host, agents.backup.host];
  const [primaryFacts, backupFacts] = await Promise.all([
    readAgentFacts(primary, action.primary),
    readAgentFacts(backup, action.backup),
  ]);
  if (primaryFacts.id === undefined)
    throw new StepFailure(`${primary.label}: cannot read the primary's DataMiner ID; nothing was changed`);
  const orderProblems = primaryFacts.dbXml ? priorityOrderProblems(primaryFacts.dbXml, action.storage) : [];
  if (orderProblems.length > 0) throw new StepFailure(`${orderProblems.join('; ')}; nothing was changed`);
  const passwords = new Map<number, string>();
  if (primaryFacts.dbXml !== undefined) {
    const sources = passwordSources(databaseEntries(primaryFacts.dbXml), action.storage);
    if (sources.problems.length > 0)
      throw new StepFailure(`${sources.problems.join('; ')}; nothing was changed`);
    for (const [position, env] of sources.byPosition)
      passwords.set(position, secretFromEnv(env, "a database's plain-text password for the backup's DB.xml"));
  }
  const redirects = planRedirects(
    primaryFacts.dmsXml,
    backupFacts.dmsXml,
    agents.primary.address,
    agents.backup.address,
  );
  const line = redirectLine(action, redirects);
  const changes = backupChanges(
    primaryFacts,
    backupFacts,
    action.storage,
    parseDataMinerVersion(action.version)!,
    passwords,
    {
      ...(line !== undefined ? { redirectLine: line } : {}),
      metadataFiles: await metadataFilesOf(primary, backup, primaryFacts.dataMinerXml),
    },
  );
  const startDue = await backup.isPending(START_DUE);
  if (changes.length === 0 && !startDue)
    return { changed: false, detail: 'the backup is already prepared; DataMiner was not stopped' };
  if (context.checkOnly)
    return {
      changed: true,
      detail: `would stop DataMiner on the backup and write: ${changes.map((c) => c.why).join('; ')}`,
    };

  if (changes.length > 0) {
    await backup.setPending(START_DUE, 'DataMiner was stopped on the backup to prepare it');
    await stopDataMiner(backup, action.backup);
    for (const change of changes)
      await backup.writeFile(
        ABSOLUTE_WINDOWS_PATH.test(change.path)
          ? change.path
          : inInstallDir(action.backup.installDir, change.path),
        change.content,
      );
  }
  await startDataMiner(backup, action.backup, action.startTimeoutSeconds);
  await backup.clearPending(START_DUE);
  return {
    changed: true,
    detail:
      changes.length > 0
        ? `${changes.map((c) => c.why).join('; ')}; DataMiner restarted on the backup`
        : 'DataMiner started on the backup (due from an earlier run)',
  };
};
