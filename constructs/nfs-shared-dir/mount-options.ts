/**
 * NFS client mount options: which ones a shared directory for an active/passive pair may use, what
 * the construct pins, and how a mounted share's options (as the kernel reports them) compare with
 * what was asked. Pure: used by the props schema at synth time and by the runner on the hosts.
 */

export type NfsVersion = '4.0' | '4.1' | '4.2';
export const NFS_VERSIONS: readonly NfsVersion[] = ['4.0', '4.1', '4.2'];

/** Why anything below NFSv4 is refused, in every message that refuses it. */
export const NFS_V4_REASON =
  "ActiveMQ KahaDB keeps its lock on the share, and with NFSv3 a dead master's lock is never released";

const LOCAL_LOCK_REASON =
  'it makes locks local to each client, so two brokers could both "hold" the KahaDB lock';

/** One option per element: no commas (the list separator) and nothing a shell or fstab would read. */
export const MOUNT_OPTION_FORMAT = /^[A-Za-z0-9_][A-Za-z0-9_.:=@+/-]*$/;

/** Options the construct always sets, in the order fstab and mount receive them. */
export function pinnedMountOptions(version: NfsVersion): string[] {
  return [`vers=${version}`, 'hard', 'proto=tcp'];
}

/** Pinned options a user may repeat harmlessly: they are dropped rather than rejected. */
const SAME_AS_PINNED = new Set(['hard', 'proto=tcp', 'tcp', '_netdev']);

/**
 * Why an extra mount option is refused, or undefined when it is acceptable. The reason names the
 * risk, so the message is the fix.
 */
export function mountOptionProblem(option: string): string | undefined {
  if (!MOUNT_OPTION_FORMAT.test(option)) {
    return 'expected one mount option per element, such as "noatime" or "timeo=600": letters, digits and "_ . : = @ + / -", no commas or spaces';
  }
  const [name, value] = splitOption(option);
  if (name === 'nolock') return `nolock is rejected because ${LOCAL_LOCK_REASON}; leave it out`;
  if (name === 'local_lock')
    return `${option} is rejected because ${LOCAL_LOCK_REASON}; leave it out (the kernel's default keeps every lock on the server)`;
  if (name === 'soft' || name === 'softerr') {
    return `${name} is rejected because a soft mount gives up on a slow server and can corrupt data; the construct mounts hard`;
  }
  if (name === 'vers' || name === 'nfsvers' || /^v\d/.test(name)) {
    const version = name.startsWith('v') && name !== 'vers' ? name.slice(1) : (value ?? '');
    if (/^[0-3](\.|$)/.test(version))
      return `${option} is rejected because ${NFS_V4_REASON}; use nfsVersion "4.1" or "4.2"`;
    return `${option} is rejected: the version is pinned from nfsVersion; set nfsVersion instead`;
  }
  if (name === 'udp' || name === 'rdma' || (name === 'proto' && value !== 'tcp')) {
    return `${option} is rejected: the construct pins proto=tcp, which NFSv4 needs`;
  }
  if (name === 'ro')
    return 'ro is rejected because every client of the shared directory must read and write it';
  if (name === 'noauto')
    return 'noauto is rejected because the share must be available at all times, so it is mounted at boot';
  if (name === 'remount' || name === 'bind')
    return `${name} is a mount action, not an option of the share; leave it out`;
  return undefined;
}

/** The extra options without those that repeat a pinned one. */
export function extraMountOptions(options: readonly string[]): string[] {
  return options.filter((o) => !SAME_AS_PINNED.has(o));
}

/** The options of the fstab line and of the mount command: pinned first, then the extras. */
export function mountOptionList(version: NfsVersion, extras: readonly string[]): string[] {
  return [...pinnedMountOptions(version), '_netdev', ...extraMountOptions(extras)];
}

/**
 * Options the kernel lists exactly as given, so a mounted share can be compared with them. Others
 * are applied at mount time but reported differently (actimeo becomes acregmin,...; rsize and wsize
 * are negotiated with the server) or not at all (_netdev, nofail, x-systemd.*), so they are not compared.
 */
const LISTED_VERBATIM =
  /^(noatime|nodiratime|relatime|strictatime|nosuid|nodev|noexec|sync|noac|nocto|fsc|nordirplus|nosharecache|noresvport|(timeo|retrans|acregmin|acregmax|acdirmin|acdirmax|sec|lookupcache|port|nconnect|max_connect|clientaddr)=.*)$/;

function isKernelVisible(option: string): boolean {
  return LISTED_VERBATIM.test(option);
}

export function splitOption(option: string): [string, string | undefined] {
  const eq = option.indexOf('=');
  return eq < 0 ? [option, undefined] : [option.slice(0, eq), option.slice(eq + 1)];
}

/** A mount as `findmnt` reports it. */
export interface MountEntry {
  readonly target: string;
  readonly source: string;
  readonly fstype: string;
  readonly options: readonly string[];
}

export interface WantedMount {
  readonly source: string;
  readonly nfsVersion: NfsVersion;
  readonly extraOptions: readonly string[];
}

/**
 * Why the kernel keeps locks on this client only, or undefined when locks go to the server.
 * `local_lock=none` is the default the kernel lists; `nolock` implies `local_lock=all`.
 */
export function localLockProblem(options: readonly string[]): string | undefined {
  const localLock = options.find((o) => o.startsWith('local_lock='));
  const found = [
    options.includes('nolock') ? 'nolock' : undefined,
    localLock && localLock !== 'local_lock=none' ? localLock : undefined,
  ].filter(Boolean);
  if (found.length === 0) return undefined;
  return `locks are local to this client (mount options include ${found.join(' and ')}): an exclusive lock held here is not seen by the other clients, so two brokers could both hold the KahaDB lock. Mount the share without nolock or local_lock (umount, then mount)`;
}

/**
 * What differs between a mount and the wanted one, in words; empty when it is as wanted. Compares
 * what matters for a shared KahaDB directory: source, fstype, the pinned version, hard, TCP, shared
 * locks (unless `includeLocks` is false, for a caller that reports them in full), read-write, and
 * every extra option the kernel lists.
 */
export function mountDifferences(
  entry: MountEntry,
  wanted: WantedMount,
  options: { readonly includeLocks?: boolean } = {},
): string[] {
  const differences: string[] = [];
  const has = (o: string) => entry.options.includes(o);
  if (entry.source !== wanted.source) differences.push(`the source is ${entry.source}, not ${wanted.source}`);
  if (entry.fstype !== 'nfs4') differences.push(`the filesystem type is ${entry.fstype}, not nfs4`);
  const version = entry.options.find((o) => o.startsWith('vers='));
  if (version !== `vers=${wanted.nfsVersion}`) {
    differences.push(
      `the NFS version is ${version ? version.slice(5) : 'not listed'}, not ${wanted.nfsVersion}`,
    );
  }
  if (!has('hard'))
    differences.push(
      `it is not a hard mount (${has('soft') ? 'soft' : has('softerr') ? 'softerr' : 'hard is missing'})`,
    );
  const proto = entry.options.find((o) => o.startsWith('proto='));
  if (proto && proto !== 'proto=tcp') differences.push(`it uses ${proto}, not proto=tcp`);
  if (!has('rw')) differences.push('it is not mounted read-write');
  const locks = options.includeLocks === false ? undefined : localLockProblem(entry.options);
  if (locks) differences.push(locks.slice(0, locks.indexOf(':')));
  const missing = extraMountOptions(wanted.extraOptions).filter((o) => isKernelVisible(o) && !has(o));
  if (missing.length > 0) differences.push(`the options lack ${missing.join(', ')}`);
  return differences;
}
