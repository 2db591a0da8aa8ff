/**
 * The backup's preparation, only when something differs: DataMiner stopped on the backup (never
 * on the primary), its files written atomically with a backup copy, DataMiner started again and
 * awaited. A start left due by a failed run is kept as a pending marker and done on the next run.
 */
import { RUN_PROGRAM_PS, START_SERVICE_PS } from '../../src/dialect/windows-primitives';
import { StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import { secretFromEnv } from '../../src/runner/credentials';
import type { RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import type { AgentRef, PrepareBackupAction } from './actions';
import { backupChanges, priorityOrderProblems } from './backup-changes';
import { databaseEntries } from './parse';
import { passwordSources } from './passwords';
import { DATAMINER_SERVICE, inInstallDir, SLKILL } from './commands';
import { readAgentFacts } from './facts';
import { parseDataMinerVersion } from './versions';

/** Pending marker: DataMiner was stopped on the backup and is not known to run again yet. */
const START_DUE = 'dataminer-start-due';

async function stopDataMiner(host: RemoteHost, agent: AgentRef): Promise<void> {
  const result = await host.run({
    powershell: RUN_PROGRAM_PS,
    vars: { program: inInstallDir(agent.installDir, SLKILL.program), arguments: SLKILL.arguments.join('\n') },
  });
  if (result.code !== 0)
    throw new StepFailure(
      `stopping DataMiner on ${host.label} (SLKill.exe -f SL) failed (exit ${result.code}): ${tail(result.stdout || result.stderr, 3)}`,
    );
}

async function startDataMiner(host: RemoteHost, seconds: number): Promise<void> {
  const result = await host.batch([
    {
      command: { powershell: START_SERVICE_PS, vars: { name: DATAMINER_SERVICE, seconds: String(seconds) } },
      timeoutSeconds: seconds + 60,
      what: 'starting DataMiner',
    },
  ]);
  if (result[0].code !== 0)
    throw new StepFailure(
      `DataMiner did not run again on ${host.label} within ${seconds} s: ${tail(result[0].stdout || result[0].stderr, 3)}; start it (Start-Service SLDataMiner) and look at its logs`,
    );
}

export const prepareBackup: ActionHandler<PrepareBackupAction> = async (action, context) => {
  const [primary, backup] = await Promise.all([
    context.connect(action.primary.host),
    context.connect(action.backup.host),
  ]);
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
  const changes = backupChanges(
    primaryFacts,
    backupFacts,
    action.storage,
    parseDataMinerVersion(action.version)!,
    passwords,
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
      await backup.writeFile(inInstallDir(action.backup.installDir, change.relative), change.content);
  }
  await startDataMiner(backup, action.startTimeoutSeconds);
  await backup.clearPending(START_DUE);
  return {
    changed: true,
    detail:
      changes.length > 0
        ? `${changes.map((c) => c.why).join('; ')}; DataMiner restarted on the backup`
        : 'DataMiner started on the backup (due from an earlier run)',
  };
};
