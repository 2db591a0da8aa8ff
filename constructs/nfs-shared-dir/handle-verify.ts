/**
 * The verification across clients: each one mounts the share as NFSv4 at the pinned version with
 * shared locks; each sees the owner's numeric IDs; a file written by one is read by the others; an
 * exclusive lock held by one blocks the others and is granted to them once released.
 */
import { randomBytes } from 'node:crypto';
import { shellScript } from '../../src/dialect/posix';
import { problemList, StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { CommandResult, RemoteHost } from '../../src/runner/remote-host';
import type { VerifyAction } from './actions';
import { localLockProblem, MountEntry, mountDifferences } from './mount-options';
import { asOwner } from './commands';
import { describeResult, mountFact, OwnerAndMode, ownerAndModeFact } from './facts';
import { gatherFacts } from '../../src/frame/fact';
import {
  HOLD_LOCK,
  LOCK_CONFLICT_STATUS,
  LOCK_TIMEOUT_STATUS,
  TRY_LOCK,
  WAIT_FOR_FILE,
  WRITE_FILE,
} from './commands';

/** Names of the check files in the share; the lock file stays, so no client ever races to create it. */
export const LOCK_FILE = '.cdktf-failover-lock-check';
const CHECK_FILE_PREFIX = '.cdktf-failover-check-';

const describe = (r: CommandResult) => describeResult(r.code, r.stderr || r.stdout);

/** What each client shows of the share: its mount, and the owner and mode of the mount point. */
interface ClientView {
  readonly label: string;
  readonly mount: MountEntry | undefined;
  readonly ownerAndMode: OwnerAndMode;
}

/** Both facts of every client, one round trip per client. */
async function viewOfClients(hosts: readonly RemoteHost[], action: VerifyAction): Promise<ClientView[]> {
  return Promise.all(
    hosts.map(async (host) => ({
      label: host.label,
      ...(await gatherFacts(host, {
        mount: mountFact(action.mountPath, host.label),
        ownerAndMode: ownerAndModeFact(action.mountPath),
      })),
    })),
  );
}

/** Mount table of every client; stops early when a client has no NFSv4 mount of the share at all. */
function mountProblems(views: readonly ClientView[], action: VerifyAction): string[] {
  const problems: string[] = [];
  let unusable = false;
  for (const { label, mount: entry } of views) {
    if (!entry) {
      problems.push(`${label}: nothing is mounted at ${action.mountPath}`);
      unusable = true;
      continue;
    }
    const wanted = {
      source: action.exportSource,
      nfsVersion: action.nfsVersion,
      extraOptions: action.extraOptions,
    };
    const locks = localLockProblem(entry.options);
    const others = mountDifferences(entry, wanted, { includeLocks: false });
    if (entry.source !== action.exportSource || !['nfs4', 'nfs'].includes(entry.fstype)) unusable = true;
    problems.push(...others.map((d) => `${label}: the mount at ${action.mountPath}: ${d}`));
    if (locks) problems.push(`${label}: the lock check fails because ${locks}`);
  }
  if (unusable) throw failure(problems);
  return problems;
}

function ownershipProblems(views: readonly ClientView[], action: VerifyAction): string[] {
  const wanted = `${action.owner.uid}:${action.owner.gid} ${parseInt(action.mode, 8).toString(8)}`;
  const problems: string[] = [];
  for (const { label, ownerAndMode } of views) {
    if ('unreadable' in ownerAndMode)
      problems.push(`${label}: cannot stat ${action.mountPath} (${ownerAndMode.unreadable})`);
    else if (ownerAndMode.seen !== wanted) {
      problems.push(
        `${label}: ${action.mountPath} shows owner and mode ${ownerAndMode.seen}, not ${wanted}; set them on the exported directory on the server (chown ${action.owner.uid}:${action.owner.gid}, chmod ${action.mode}), and check that every host maps IDs the same way (idmapDomain)`,
      );
    }
  }
  return problems;
}

/**
 * One client writes a new file as the owner; every other client reads it back and sees it owned by
 * the owner. A drill, not facts: each read depends on another host's write, and it cleans up.
 */
async function sharedDataProblems(
  hosts: readonly RemoteHost[],
  action: VerifyAction,
  token: string,
): Promise<string[]> {
  const [writer, ...readers] = hosts;
  const file = `${action.mountPath}/${CHECK_FILE_PREFIX}${token}`;
  const wrote = await writer.run(asOwner(action.owner, shellScript(WRITE_FILE, file, token)));
  if (wrote.code !== 0)
    return [
      `${writer.label}: user ${action.owner.user} (UID ${action.owner.uid}) cannot write in ${action.mountPath} (${describe(wrote)}); check the owner, the mode and the export's squash options`,
    ];
  const problems: string[] = [];
  try {
    for (const reader of readers.length > 0 ? readers : [writer]) {
      const read = await reader.run(asOwner(action.owner, ['cat', '--', file]));
      if (read.code !== 0 || read.stdout !== `${token}\n`) {
        problems.push(
          `${reader.label}: a file written on ${writer.label} in ${action.mountPath} ${read.code !== 0 ? `cannot be read (${describe(read)})` : 'reads back with other content'}; the clients do not share the same directory`,
        );
        continue;
      }
      // As the owner: with root_squash, root may not even look into the shared directory.
      const stat = await reader.run(asOwner(action.owner, ['stat', '-c', '%u:%g', '--', file]));
      if (stat.stdout.trim() !== `${action.owner.uid}:${action.owner.gid}`) {
        problems.push(
          `${reader.label}: a file ${action.owner.user} wrote on ${writer.label} shows owner ${stat.stdout.trim() || '?'}, not ${action.owner.uid}:${action.owner.gid}; ID mapping differs between the clients (same UID/GID everywhere, and the same idmapDomain)`,
        );
      }
    }
  } finally {
    await writer.run(asOwner(action.owner, ['rm', '-f', '--', file]));
  }
  return problems;
}

/** Tries the exclusive lock from a client: true when granted, false when another client holds it. */
async function tryLock(host: RemoteHost, action: VerifyAction): Promise<boolean> {
  const result = await host.run(
    asOwner(action.owner, shellScript(TRY_LOCK, `${action.mountPath}/${LOCK_FILE}`)),
  );
  if (result.code === 0) return true;
  if (result.code === LOCK_CONFLICT_STATUS) return false;
  throw new StepFailure(
    `${host.label}: cannot try a lock on ${action.mountPath}/${LOCK_FILE} (${describe(result)})`,
  );
}

/**
 * A drill, not facts: the holder keeps the lock while the others try it, so its steps wait on each other.
 * Holds the lock from the first client while every other client tries it, then releases it and
 * has them try again. With one client, a second session on it contends.
 */
async function lockProblems(
  hosts: readonly RemoteHost[],
  action: VerifyAction,
  token: string,
): Promise<string[]> {
  const [holder, ...others] = hosts;
  const contenders = others.length > 0 ? others : [holder];
  const held = `/tmp/cdktf-failover-lock-${token}.held`;
  const release = `/tmp/cdktf-failover-lock-${token}.release`;
  const wait = String(action.lockWaitSeconds);
  // On a channel of its own: the holder keeps running while the same host is asked whether it holds.
  const holding = holder.runAlongside(
    asOwner(action.owner, shellScript(HOLD_LOCK, `${action.mountPath}/${LOCK_FILE}`, held, release, wait)),
  );
  const announced = holder.run({ argv: shellScript(WAIT_FOR_FILE, held, wait) });
  // When the holder fails first, the waiter is abandoned; its end must not become an unhandled rejection.
  announced.catch(() => undefined);
  const first = await Promise.race([
    holding.then((r) => ({ ended: r })),
    announced.then((r) => ({ announced: r })),
  ]);
  if ('ended' in first || first.announced.code !== 0) {
    const ended = await holding;
    const why =
      ended.code === LOCK_TIMEOUT_STATUS ? `another process held it for ${wait} s` : describe(ended);
    return [`${holder.label}: could not take an exclusive lock on ${action.mountPath}/${LOCK_FILE} (${why})`];
  }
  const problems: string[] = [];
  try {
    for (const contender of contenders) {
      if (await tryLock(contender, action)) {
        problems.push(
          `${contender.label} obtained the exclusive lock on ${action.mountPath}/${LOCK_FILE} while ${holder.label} held it: locks are not shared between the clients, so two brokers could both hold the KahaDB lock`,
        );
      }
    }
  } finally {
    await holder.run(asOwner(action.owner, ['touch', '--', release]));
    await holding;
  }
  for (const contender of contenders) {
    if (!(await tryLock(contender, action))) {
      problems.push(
        `${contender.label} could not obtain the exclusive lock on ${action.mountPath}/${LOCK_FILE} after ${holder.label} released it: a released lock is not handed on`,
      );
    }
  }
  return problems;
}

function failure(problems: readonly string[]): StepFailure {
  return new StepFailure(
    problemList('the shared directory does not work as a shared KahaDB directory:', problems),
  );
}

export const verify: ActionHandler<VerifyAction> = async (action, context) => {
  const hosts: RemoteHost[] = [];
  for (const client of action.clients) hosts.push(await context.connect(client));
  const token = randomBytes(8).toString('hex');
  const views = await viewOfClients(hosts, action);
  const problems = [...mountProblems(views, action), ...ownershipProblems(views, action)];
  problems.push(...(await sharedDataProblems(hosts, action, token)));
  problems.push(...(await lockProblems(hosts, action, token)));
  if (problems.length > 0) throw failure(problems);
  return {
    changed: false,
    detail: `${hosts.length} client${hosts.length === 1 ? '' : 's'}: NFS ${action.nfsVersion}, owner ${action.owner.uid}:${action.owner.gid}, shared data and exclusive lock`,
  };
};
