/**
 * What the shared directory's account check means: the account the aggregators write the share as,
 * probed from each aggregator (write, lock, delete a new file) or, before the share is mounted,
 * predicted from the export this construct's NfsSharedDir will set up. Pure.
 */

/** One stage of the probe: done, or refused with what the host printed. */
export type ProbeStage = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** The numeric identity of the account on one host. */
export interface AccountIds {
  readonly uid: number;
  readonly gid: number;
  /** Every group it is in, its primary one included (`id -G`). */
  readonly groups: readonly number[];
}

/** The write probe, run as the account in the mounted share. */
export interface ShareWriteProbe {
  /** The mount point's owner, group and mode as the host shows them (undefined: stat failed). */
  readonly share?: { readonly uid: number; readonly gid: number; readonly mode: number };
  readonly create: ProbeStage;
  /** The new file's owner as the host shows it: the account's UID unless the export squashes it. */
  readonly fileUid?: number;
  /** The exclusive lock on the new file; 'conflict' when another process held it. */
  readonly lock?: ProbeStage | 'conflict';
  readonly remove?: ProbeStage;
}

/** What one aggregator answered. */
export type ShareAccountProbe =
  | { readonly account: 'missing' }
  | (AccountIds & { readonly account: 'present'; readonly mounted: false })
  | (AccountIds & { readonly account: 'present'; readonly mounted: true; readonly probe: ShareWriteProbe });

/** The share's owner, as the shared directory sets it. */
export interface ShareOwner {
  readonly uid: number;
  readonly gid: number;
  /** Its user name, when known: the shared directory's client steps create it where it is missing. */
  readonly user?: string;
}

/** The export the construct's own NfsSharedDir will set up (server options, directory mode). */
export interface PlannedExport {
  readonly options: readonly string[];
  /** Octal, e.g. "0770". */
  readonly mode: string;
}

/** The anonymous IDs of exports(5) when anonuid/anongid are not given. */
export const NFS_ANONYMOUS_ID = 65534;

/** The identity an NFS server (exports(5), sec=sys) gives a client's user under these export options. */
export interface SquashedIdentity extends AccountIds {
  /** Why the identity changed: undefined when the server sees the account as it is. */
  readonly squashedBy?: 'root_squash' | 'all_squash';
}

/** The last of two opposite flags wins, as exportfs reads an option list; `fallback` when neither is given. */
function lastFlag(options: readonly string[], on: string, off: string, fallback: boolean): boolean {
  const found = options.filter((o) => o === on || o === off).pop();
  return found === undefined ? fallback : found === on;
}

function anonymousId(options: readonly string[], name: 'anonuid' | 'anongid'): number {
  const found = options.filter((o) => o.startsWith(`${name}=`)).pop();
  const value = found ? Number(found.slice(name.length + 1)) : NaN;
  return Number.isInteger(value) && value >= 0 ? value : NFS_ANONYMOUS_ID;
}

/**
 * exports(5): root_squash (the default, unless no_root_squash) maps UID 0 and GID 0 to the anonymous
 * IDs; all_squash maps every user. anonuid/anongid name the anonymous IDs (65534 by default).
 */
export function squashedIdentity(ids: AccountIds, options: readonly string[]): SquashedIdentity {
  const allSquash = lastFlag(options, 'all_squash', 'no_all_squash', false);
  const rootSquash = lastFlag(options, 'root_squash', 'no_root_squash', true);
  const anonuid = anonymousId(options, 'anonuid');
  const anongid = anonymousId(options, 'anongid');
  if (allSquash) return { uid: anonuid, gid: anongid, groups: [anongid], squashedBy: 'all_squash' };
  if (!rootSquash || (ids.uid !== 0 && !ids.groups.includes(0) && ids.gid !== 0)) return ids;
  const gid = (g: number) => (g === 0 ? anongid : g);
  return {
    uid: ids.uid === 0 ? anonuid : ids.uid,
    gid: gid(ids.gid),
    groups: [...new Set(ids.groups.map(gid))],
    ...(ids.uid === 0 ? { squashedBy: 'root_squash' as const } : {}),
  };
}

/** May this identity create and delete entries in a directory of this owner and mode? POSIX, no ACLs. */
export function canWriteDirectory(
  ids: AccountIds,
  owner: { uid: number; gid: number },
  mode: number,
): boolean {
  // Root the server did not squash keeps its privilege on the share.
  if (ids.uid === 0) return true;
  const writeAndSearch = (shift: number) => ((mode >> shift) & 0o3) === 0o3;
  if (ids.uid === owner.uid) return writeAndSearch(6);
  if (ids.gid === owner.gid || ids.groups.includes(owner.gid)) return writeAndSearch(3);
  return writeAndSearch(0);
}

const who = (label: string, account: string, uid: number) => `${label}: ${account} (UID ${uid})`;
const ownerText = (owner: ShareOwner) =>
  `${owner.user ? `${owner.user}, ` : ''}UID ${owner.uid}:${owner.gid}`;
const ACCOUNT_FIX = 'set aggregators.shareAccount to the account the aggregators run as';

/** The account missing on a host, or with other numeric IDs on the two aggregators. */
export function accountIdentityProblems(
  account: string,
  answers: readonly { readonly label: string; readonly probe: ShareAccountProbe }[],
  owner: ShareOwner,
): string[] {
  const problems: string[] = [];
  // The shared directory's client steps create its owner (with the owner's IDs) where it is missing.
  const createdByShare = owner.user !== undefined && owner.user === account;
  for (const { label, probe } of answers)
    if (probe.account === 'missing' && !createdByShare)
      problems.push(
        `${label}: the account ${account} the aggregators write the shared directory as does not exist; create it with the same UID and GID on both aggregators, or ${ACCOUNT_FIX}`,
      );
  const present = answers.flatMap(({ label, probe }) =>
    probe.account === 'present' ? [{ label, uid: probe.uid, gid: probe.gid }] : [],
  );
  const [first, ...others] = present;
  for (const other of others)
    if (other.uid !== first.uid || other.gid !== first.gid)
      problems.push(
        `${account} is UID ${first.uid}:${first.gid} on ${first.label} but ${other.uid}:${other.gid} on ${other.label}: both aggregators must write the shared directory with the same numeric UID and GID; give the account the same IDs on both`,
      );
  return problems;
}

/** Why a refused write was refused, in words a person can act on. */
function refusedWrite(
  label: string,
  account: string,
  ids: AccountIds,
  mountPath: string,
  probe: ShareWriteProbe,
  message: string,
): string {
  const start = `${who(label, account, ids.uid)} cannot create a file in ${mountPath} (${message})`;
  if (/read-only/i.test(message))
    return `${start}: the share is exported or mounted read-only; the aggregators need it read-write`;
  if (!/permission denied|operation not permitted/i.test(message))
    return `${start}; check that the share is mounted and answering`;
  // Root bypasses permissions on a local file system: refused on NFS, it was squashed.
  if (ids.uid === 0)
    return `${start}: the NFS server maps root to the anonymous user (root_squash, the default of exports(5)), so root on an aggregator is not root on the share; run the aggregators as the share's owner (${probe.share ? `UID ${probe.share.uid}` : 'its owner'}) and ${ACCOUNT_FIX}, or export with no_root_squash`;
  const share = probe.share;
  if (share && share.uid !== ids.uid)
    return `${start}: the share belongs to UID ${share.uid}:${share.gid} with mode ${share.mode.toString(8)}, and ${account} is not its owner; make ${account} the share's owner (sharedDirectory.owner) or ${ACCOUNT_FIX}`;
  return `${start}: ${account} owns the share${share ? ` (mode ${share.mode.toString(8)})` : ''} but may not write: the mode lacks the owner's write permission, or the export squashes every user (all_squash)`;
}

/** The write probe's result on one aggregator: every stage that failed, in order. */
export function writeProbeProblems(
  label: string,
  account: string,
  ids: AccountIds,
  mountPath: string,
  probe: ShareWriteProbe,
  probeFile: string,
): string[] {
  if (!probe.create.ok) return [refusedWrite(label, account, ids, mountPath, probe, probe.create.message)];
  const problems: string[] = [];
  if (probe.fileUid !== undefined && probe.fileUid !== ids.uid)
    problems.push(
      `${who(label, account, ids.uid)} writes files in ${mountPath} that belong to UID ${probe.fileUid}: the NFS server maps the account to ${probe.fileUid === NFS_ANONYMOUS_ID ? 'the anonymous user' : `UID ${probe.fileUid}`} (${ids.uid === 0 ? 'root_squash' : 'all_squash'}, anonuid); run the aggregators as the share's owner and ${ACCOUNT_FIX}`,
    );
  if (probe.lock === 'conflict')
    problems.push(
      `${label}: an exclusive lock on a new file in ${mountPath} was refused as held elsewhere: the share's locks are not reliable for the ActiveMQ KahaDB lock`,
    );
  else if (probe.lock && !probe.lock.ok)
    problems.push(
      `${who(label, account, ids.uid)} cannot take an exclusive lock on a file in ${mountPath} (${probe.lock.message}): ActiveMQ's KahaDB lock needs NFSv4 locks (mount without nolock or local_lock)`,
    );
  if (probe.remove && !probe.remove.ok)
    problems.push(
      `${who(label, account, ids.uid)} cannot delete the file it created in ${mountPath} (${probe.remove.message}); remove ${mountPath}/${probeFile} and give the account write permission on the share`,
    );
  return problems;
}

/** Before the share is mounted: what the planned export will let the account do. */
export function predictedWriteProblems(
  label: string,
  account: string,
  ids: AccountIds,
  mountPath: string,
  owner: ShareOwner,
  planned: PlannedExport,
): string[] {
  const seen = squashedIdentity(ids, planned.options);
  const mode = parseInt(planned.mode, 8);
  const writable = canWriteDirectory(seen, owner, mode);
  const start = `${who(label, account, ids.uid)} will not be able to write in ${mountPath}`;
  if (seen.squashedBy === 'root_squash')
    return [
      `${start}${writable ? ' as itself' : ''}: the export squashes root to the anonymous user (root_squash, the default of exports(5); anonuid ${seen.uid}), ${writable ? 'so its files would belong to that user' : `which may not write in a share of ${ownerText(owner)} with mode ${planned.mode}`}; run the aggregators as the share's owner and ${ACCOUNT_FIX}, or add no_root_squash to sharedDirectory.exportOptions`,
    ];
  if (seen.squashedBy === 'all_squash' && (!writable || seen.uid !== ids.uid))
    return [
      `${start}${writable ? ' as itself' : ''}: the export maps every user to UID ${seen.uid}:${seen.gid} (all_squash)${writable ? '' : `, which may not write in a share of ${ownerText(owner)} with mode ${planned.mode}`}; remove all_squash or set anonuid/anongid to the share's owner`,
    ];
  if (!writable)
    return [
      `${start}: the share will belong to ${ownerText(owner)} with mode ${planned.mode}, which gives ${account} no write permission; make ${account} the share's owner (sharedDirectory.owner) or ${ACCOUNT_FIX}`,
    ];
  return [];
}
