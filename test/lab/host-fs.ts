import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUnder, mountPoints } from './mounts';

/** Per-host directories that tests and emulators may change; reset restores them from the pristine copy. */
export const WRITABLE_DIRS = ['etc', 'opt', 'var', 'srv', 'tmp', 'root', 'home', 'mnt', 'run'] as const;

/**
 * What a host's /etc starts with: identity databases (useradd, groupadd, getent), the dynamic loader's
 * cache, Debian's alternatives symlinks (awk, editor, ...) and the shell start-up files.
 */
const ETC_ENTRIES = `
  passwd group shadow gshadow subuid subgid nsswitch.conf hosts host.conf login.defs default skel
  shells adduser.conf deluser.conf pam.conf pam.d security alternatives ld.so.cache ld.so.conf
  ld.so.conf.d localtime timezone bash.bashrc profile profile.d environment inputrc terminfo mtab
  os-release debian_version services protocols networks gai.conf machine-id
`
  .trim()
  .split(/\s+/);

export const LAB_PATH = '/lab/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: 'pipe' });
}

function mkdir(dir: string, mode = 0o755): void {
  fs.mkdirSync(dir, { recursive: true });
  // mkdir is subject to the umask and leaves existing directories alone: set the mode explicitly.
  fs.chmodSync(dir, mode);
}

/**
 * The fixed part of a host root: mount points and the usr-merge symlinks. sshd refuses a
 * ChrootDirectory unless it and every parent are root-owned and not group- or world-writable.
 */
export function buildSkeleton(hostRoot: string): void {
  mkdir(hostRoot);
  fs.chownSync(hostRoot, 0, 0);
  for (const dir of ['usr', 'dev', 'lab', 'lab/bin', 'lab/shared', 'lab/hosts'])
    mkdir(path.join(hostRoot, dir));
  mkdir(path.join(hostRoot, 'proc'), 0o555);
  // Mirror the system's usr-merge links (bin -> usr/bin, lib64 -> usr/lib64, ...).
  for (const entry of fs.readdirSync('/')) {
    const stat = fs.lstatSync(`/${entry}`);
    if (!stat.isSymbolicLink()) continue;
    const target = fs.readlinkSync(`/${entry}`);
    if (!target.startsWith('usr/')) continue;
    const link = path.join(hostRoot, entry);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(target, link);
  }
}

/** Builds the pristine copy of one host's writable directories. */
export function buildPristine(
  pristineDir: string,
  hostName: string,
  allHosts: { name: string; address: string }[],
): void {
  assertNoMountsUnder(pristineDir);
  run('rm', ['-rf', '--one-file-system', pristineDir]);
  for (const dir of WRITABLE_DIRS) mkdir(path.join(pristineDir, dir));
  fs.chmodSync(path.join(pristineDir, 'tmp'), 0o1777);
  fs.chmodSync(path.join(pristineDir, 'root'), 0o700);

  const etc = path.join(pristineDir, 'etc');
  run('cp', ['-a', ...ETC_ENTRIES.map((e) => `/etc/${e}`).filter(exists), `${etc}/`]);
  fs.writeFileSync(path.join(etc, 'hostname'), `${hostName}\n`);
  // Hosts can reach each other by name, as real cluster members would.
  fs.appendFileSync(
    path.join(etc, 'hosts'),
    `\n# Lab hosts\n${allHosts.map((h) => `${h.address}\t${h.name}`).join('\n')}\n`,
  );
  // Login shells source /etc/profile, which resets PATH: put the emulators back in front.
  mkdir(path.join(etc, 'profile.d'));
  fs.writeFileSync(path.join(etc, 'profile.d', '00-lab-path.sh'), `PATH=${LAB_PATH}\nexport PATH\n`);

  for (const dir of [
    'var/lib',
    'var/log',
    'var/cache',
    'var/spool',
    'var/mail',
    'var/opt',
    'var/backups',
    'run/lock',
  ]) {
    mkdir(path.join(pristineDir, dir));
  }
  fs.chmodSync(path.join(pristineDir, 'run/lock'), 0o1777);
  mkdir(path.join(pristineDir, 'var/tmp'), 0o1777);
  fs.symlinkSync('/run', path.join(pristineDir, 'var/run'));
  fs.symlinkSync('/run/lock', path.join(pristineDir, 'var/lock'));
  run('cp', ['-a', '/etc/skel/.', path.join(pristineDir, 'root')]);
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Replaces the host's writable directories with the pristine copy and empties /lab/bin.
 * The caller must unmount everything below them first: this refuses to delete across a mount.
 */
export function restoreFromPristine(hostRoot: string, pristineDir: string): void {
  const targets = [...WRITABLE_DIRS.map((d) => path.join(hostRoot, d)), path.join(hostRoot, 'lab/bin')];
  for (const t of targets) assertNoMountsUnder(t);
  run('rm', ['-rf', '--one-file-system', ...targets]);
  run('cp', ['-a', ...WRITABLE_DIRS.map((d) => path.join(pristineDir, d)), `${hostRoot}/`]);
  mkdir(path.join(hostRoot, 'lab/bin'));
}

/** rm -rf across a bind mount would delete the mounted files (another host's, or even /dev): never do it. */
function assertNoMountsUnder(dir: string): void {
  const found = mountPoints().filter((m) => isUnder(m, dir));
  if (found.length > 0) throw new Error(`Refusing to delete ${dir}: mounts below it: ${found.join(', ')}`);
}

/** Deletes a directory's contents but keeps the directory itself (it is a bind-mount source). */
export function emptyDirectory(dir: string): void {
  assertNoMountsUnder(dir);
  const entries = fs.readdirSync(dir).map((e) => path.join(dir, e));
  if (entries.length > 0) run('rm', ['-rf', '--one-file-system', ...entries]);
}
