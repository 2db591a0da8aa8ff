/**
 * What the preflight concludes from the facts it gathered on each host. Pure: every rule is tested
 * with facts as the hosts print them. Each problem names the host, what was found and the fix.
 */
import type { OwnerSpec } from './actions';
import type { MountEntry } from './mount-options';
import { ExportsFileHit, FstabHit, HostFacts } from './parse';

const INSTALL_HINT: Record<string, string> = {
  'mount.nfs4': 'install the NFS client utilities (the package that provides mount.nfs4)',
  exportfs: 'install the kernel NFS server utilities (the package that provides exportfs)',
};

export function platformProblems(label: string, facts: HostFacts): string[] {
  if (facts.os !== 'Linux')
    return [
      `${label}: the host runs ${facts.os || 'an unknown system'}, not Linux; NFS servers and clients of the shared directory must be Linux hosts`,
    ];
  return facts.missing.map(
    (command) =>
      `${label}: the command ${command} is missing; ${INSTALL_HINT[command] ?? `install it (it comes with the base system)`}`,
  );
}

/**
 * The owner's numeric IDs must be free on the host or already belong to the named user and group:
 * NFSv4 with sec=sys sends numbers, so a UID held by someone else there hands them the files.
 */
export function identityProblems(label: string, facts: HostFacts, owner: OwnerSpec): string[] {
  const problems: string[] = [];
  const { passwdByUid: byUid, passwdByUser: byUser, groupByGid: byGid, groupByName: byGroup } = facts;
  if (byUid && byUid.name !== owner.user) {
    problems.push(
      `${label}: UID ${owner.uid} belongs to user '${byUid.name}', not '${owner.user}'; pick a free UID or change it there`,
    );
  } else if (byUser && byUser.uid !== owner.uid) {
    problems.push(
      `${label}: user '${owner.user}' exists with UID ${byUser.uid}, not ${owner.uid}; set owner.uid to ${byUser.uid} on every host or change the user's UID there (usermod -u ${owner.uid} ${owner.user}, then chown its files)`,
    );
  } else if (byUser && byUser.gid !== owner.gid) {
    problems.push(
      `${label}: user '${owner.user}' has primary GID ${byUser.gid}, not ${owner.gid}; set owner.gid to ${byUser.gid} or change it there (usermod -g ${owner.gid} ${owner.user})`,
    );
  }
  if (byGid && byGid.name !== owner.group) {
    problems.push(
      `${label}: GID ${owner.gid} belongs to group '${byGid.name}', not '${owner.group}'; pick a free GID or change it there`,
    );
  } else if (byGroup && byGroup.gid !== owner.gid) {
    problems.push(
      `${label}: group '${owner.group}' exists with GID ${byGroup.gid}, not ${owner.gid}; set owner.gid to ${byGroup.gid} on every host or change the group's GID there (groupmod -g ${owner.gid} ${owner.group})`,
    );
  }
  return problems;
}

/** The mount point must be free for this share: nothing else mounted there or planned in fstab, no files it would hide. */
export function mountPointProblems(
  label: string,
  facts: HostFacts,
  mountPath: string,
  exportSource: string,
  mounted: MountEntry | undefined,
  fstabEntries: readonly FstabHit[],
): string[] {
  const problems: string[] = [];
  if (mounted && (mounted.source !== exportSource || !['nfs4', 'nfs'].includes(mounted.fstype))) {
    problems.push(
      `${label}: ${mountPath} is already the mount point of ${mounted.source} (${mounted.fstype}); unmount it there or choose another mountPath`,
    );
  } else if (!mounted) {
    if (facts.path === 'symlink' || facts.path === 'other') {
      problems.push(
        `${label}: ${mountPath} exists and is ${facts.path === 'symlink' ? 'a symbolic link' : 'not a directory'}; remove it or choose another mountPath`,
      );
    } else if (facts.path === 'directory' && (facts.pathEntries ?? 0) > 0) {
      problems.push(
        `${label}: ${mountPath} holds ${facts.pathEntries} entr${facts.pathEntries === 1 ? 'y' : 'ies'} that the mounted share would hide; move ${facts.pathEntries === 1 ? 'it' : 'them'} away or choose another mountPath`,
      );
    }
  }
  for (const entry of fstabEntries) {
    if (entry.source !== exportSource) {
      problems.push(
        `${label}: /etc/fstab line ${entry.lineNumber} mounts ${entry.source} (${entry.fstype}) at ${mountPath}; remove that line or choose another mountPath`,
      );
    }
  }
  return problems;
}

/** The exported directory must not be someone else's data, and no other exports entry may list it. */
export function exportProblems(
  label: string,
  facts: HostFacts,
  exportPath: string,
  owner: OwnerSpec,
  otherExports: readonly ExportsFileHit[],
): string[] {
  const problems: string[] = [];
  if (facts.path === 'symlink' || facts.path === 'other') {
    problems.push(
      `${label}: ${exportPath} exists and is ${facts.path === 'symlink' ? 'a symbolic link' : 'not a directory'}; give exportPath a directory of its own`,
    );
  } else if (
    facts.path === 'directory' &&
    facts.pathOwner !== `${owner.uid}:${owner.gid}` &&
    (facts.pathEntries ?? 0) > 0
  ) {
    problems.push(
      `${label}: ${exportPath} already holds ${facts.pathEntries} entr${facts.pathEntries === 1 ? 'y' : 'ies'} owned as ${facts.pathOwner}; the construct would make it ${owner.uid}:${owner.gid}. Choose a new directory, or chown it yourself if that data belongs to the share`,
    );
  }
  for (const hit of otherExports) {
    problems.push(
      `${label}: ${hit.file} line ${hit.lineNumber} already exports ${exportPath} ("${hit.line}"); remove that entry so the export lists exactly the clients given here`,
    );
  }
  return problems;
}
