/**
 * The backup's preparation, an operation on the core's frame (src/frame): the backup's facts in,
 * a pure decision out (backupChanges), the frame doing check-only mode, the pending marker, the
 * change in one batch and its verification. Only when something differs: DataMiner stopped on the
 * backup (never on the primary), its files written atomically with a backup copy, DataMiner
 * started again and awaited. The primary is read first and never changed: its facts are the
 * operation's input. While the change is unverified the frame's marker (START_DUE, the name
 * earlier runs left, so their marker is still honoured) says DataMiner may be stopped on the
 * backup: the next run starts it.
 */
import { AWAIT_PROCESS_PS, RUN_AND_WAIT_PS } from '../../src/dialect/windows-primitives';
import { StepFailure } from '../../src/errors';
import type { Fact } from '../../src/frame/fact';
import { gatherFacts } from '../../src/frame/fact';
import { Change, change, ChangeCall, noop, Operation, runOperation } from '../../src/frame/operation';
import type { ActionHandler } from '../../src/runner/action-handler';
import { secretFromEnv } from '../../src/runner/credentials';
import type { CommandResult, RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import { ABSOLUTE_WINDOWS_PATH } from '../../src/schema/actions';
import type { AgentRef, PrepareBackupAction } from './actions';
import { backupChanges, FileChange, priorityOrderProblems } from './backup-changes';
import { DATAMINER_PROCESS, inInstallDir } from './commands';
import { AgentFacts, agentFactSet, agentFactsFrom, fileFact, readAgentFacts } from './facts';
import { connectAgents } from './handle-preflight';
import { databaseEntries } from './parse';
import { passwordSources } from './passwords';
import { planRedirects, RedirectPlan, redirectXml } from './redirects';
import { metadataFiles } from './saml';
import { parseDataMinerVersion } from './versions';

/** Pending marker: DataMiner was stopped on the backup and is not known to run again yet. */
export const START_DUE = 'dataminer-start-due';

/** What the backup's decision needs beyond its own facts: the primary, read before (never changed). */
export interface Preparation {
  readonly action: PrepareBackupAction;
  readonly primary: AgentFacts;
  readonly primaryAddress: string;
  readonly backupAddress: string;
  readonly backupLabel: string;
  /** Each database's plain-text password, by its position in the primary's DB.xml. */
  readonly passwords: ReadonlyMap<number, string>;
  /** The SAML metadata files the primary's DataMiner.xml names, with the primary's content. */
  readonly metadata: readonly { readonly path: string; readonly content: string }[];
}

/** `start /wait SLTaskbarUtility.exe <argument>`, as the vendor documents it; a non-zero %errorlevel% fails. */
function taskbarUtility(agent: AgentRef, argument: '-stop' | '-start', timeoutSeconds?: number) {
  return {
    command: { powershell: RUN_AND_WAIT_PS, vars: { program: agent.taskbarUtility, argument } },
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    what: `${agent.taskbarUtility} ${argument}`,
  };
}

const output = (result: CommandResult) => tail(result.stdout || result.stderr, 3);

function stopCall(agent: AgentRef): ChangeCall {
  return {
    ...taskbarUtility(agent, '-stop'),
    failure: (result, host) =>
      `stopping DataMiner on ${host.label} (SLTaskbarUtility.exe -stop) failed (exit ${result.code}): ${output(result)}`,
  };
}

/** Starts DataMiner and waits for its process. */
function startCalls(agent: AgentRef, seconds: number): ChangeCall[] {
  return [
    {
      ...taskbarUtility(agent, '-start', seconds + 60),
      failure: (result, host) =>
        `starting DataMiner on ${host.label} (SLTaskbarUtility.exe -start) failed (exit ${result.code}): ${output(result)}; look at its logs and start it again`,
    },
    {
      command: { powershell: AWAIT_PROCESS_PS, vars: { name: DATAMINER_PROCESS, seconds: String(seconds) } },
      timeoutSeconds: seconds + 60,
      what: 'waiting for DataMiner to run',
      failure: (result, host) =>
        `DataMiner did not run again on ${host.label} within ${seconds} s: ${output(result)}; start it (SLTaskbarUtility.exe -start) and look at its logs`,
    },
  ];
}

/** A file of the backup, written atomically with a backup copy (RemoteHost.writeFile's way). */
function writeCall(agent: AgentRef, file: FileChange): ChangeCall {
  const path = ABSOLUTE_WINDOWS_PATH.test(file.path) ? file.path : inInstallDir(agent.installDir, file.path);
  return {
    write: { path, content: file.content },
    failure: (result, host) => {
      const detail = tail(result.stderr || result.stdout);
      return `writing ${path} failed on ${host.label} (exit ${result.code})${detail ? `:\n${detail}` : '.'}`;
    },
  };
}

/** DataMiner stopped on the backup, its files written, DataMiner started again. */
function preparationChange(action: PrepareBackupAction, files: readonly FileChange[]): Change {
  const why = files.map((c) => c.why).join('; ');
  return {
    description: `${why}; DataMiner restarted on the backup`,
    intent: `stop DataMiner on the backup and write: ${why}`,
    reason: why,
    calls: [
      stopCall(action.backup),
      ...files.map((file) => writeCall(action.backup, file)),
      ...startCalls(action.backup, action.startTimeoutSeconds),
    ],
  };
}

/** An earlier run stopped DataMiner on the backup and did not see it run again. */
function dueStartChange(action: PrepareBackupAction): Change {
  return {
    description: 'DataMiner started on the backup (due from an earlier run)',
    intent: 'start DataMiner on the backup (due from an earlier run)',
    calls: startCalls(action.backup, action.startTimeoutSeconds),
  };
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

const backupFactSet = (p: Preparation) => ({
  ...agentFactSet(p.action.backup),
  metadata: p.metadata.map((file): Fact<string | undefined> => fileFact(file.path)),
});

export const PREPARE_BACKUP_OPERATION: Operation<Preparation, ReturnType<typeof backupFactSet>> = {
  facts: backupFactSet,
  decide: (values, p, { pending }) => {
    const backup = agentFactsFrom(p.backupLabel, values);
    const redirects = planRedirects(p.primary.dmsXml, backup.dmsXml, p.primaryAddress, p.backupAddress);
    const line = redirectLine(p.action, redirects);
    const files = backupChanges(
      p.primary,
      backup,
      p.action.storage,
      parseDataMinerVersion(p.action.version)!,
      p.passwords,
      {
        ...(line !== undefined ? { redirectLine: line } : {}),
        metadataFiles: p.metadata.map((file, i) => ({
          path: file.path,
          primary: file.content,
          ...(values.metadata[i] !== undefined ? { backup: values.metadata[i] } : {}),
        })),
      },
    );
    if (files.length > 0) return change(preparationChange(p.action, files));
    if (pending) return change(dueStartChange(p.action));
    return noop('the backup is already prepared; DataMiner was not stopped');
  },
  pendingMarker: () => START_DUE,
  notHeld: (after, _p, host) =>
    `DataMiner was restarted on ${host.label} (the backup), but its files still differ from the primary's: ${after.changes.map((c) => c.reason).join('; ')}; compare them with the primary's and look at DataMiner's logs`,
};

/** What stops the preparation before anything is read on the backup: the primary's ID, its databases. */
function primaryPasswords(action: PrepareBackupAction, primary: RemoteHost, facts: AgentFacts) {
  if (facts.id === undefined)
    throw new StepFailure(`${primary.label}: cannot read the primary's DataMiner ID; nothing was changed`);
  const orderProblems = facts.dbXml ? priorityOrderProblems(facts.dbXml, action.storage) : [];
  if (orderProblems.length > 0) throw new StepFailure(`${orderProblems.join('; ')}; nothing was changed`);
  const passwords = new Map<number, string>();
  if (facts.dbXml === undefined) return passwords;
  const sources = passwordSources(databaseEntries(facts.dbXml), action.storage);
  if (sources.problems.length > 0)
    throw new StepFailure(`${sources.problems.join('; ')}; nothing was changed`);
  for (const [position, env] of sources.byPosition)
    passwords.set(position, secretFromEnv(env, "a database's plain-text password for the backup's DB.xml"));
  return passwords;
}

/** The SAML metadata files the primary's DataMiner.xml names, read on the primary (one round trip). */
async function primaryMetadataFiles(primary: RemoteHost, dataMinerXml: string | undefined) {
  const { paths } = dataMinerXml ? metadataFiles(dataMinerXml) : { paths: [] };
  if (paths.length === 0) return [];
  const { files } = await gatherFacts(primary, { files: paths.map((path) => fileFact(path)) });
  return paths.map((path, i) => {
    const content = files[i];
    if (content === undefined)
      throw new StepFailure(
        `${primary.label}: the SAML metadata file ${path} that DataMiner.xml names is not there; nothing was changed`,
      );
    return { path, content };
  });
}

export const prepareBackup: ActionHandler<PrepareBackupAction> = async (action, context) => {
  const { primary, backup } = await connectAgents(action, context);
  const facts = await readAgentFacts(primary.host, action.primary);
  const preparation: Preparation = {
    action,
    primary: facts,
    primaryAddress: primary.address,
    backupAddress: backup.address,
    backupLabel: backup.host.label,
    passwords: primaryPasswords(action, primary.host, facts),
    metadata: await primaryMetadataFiles(primary.host, facts.dataMinerXml),
  };
  return runOperation(PREPARE_BACKUP_OPERATION, preparation, { ...context, host: backup.host });
};
