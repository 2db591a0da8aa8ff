/**
 * The lab image: one Debian root filesystem built with debootstrap from the package list beside
 * this file, cached under the lab's base directory and shared read-only by every host (each host
 * writes to its own copy-on-write layer over it, see rootfs.ts).
 *
 * The cache key is the package list, the suite and the image recipe version: editing packages.txt
 * builds a new image on the next start; anything else reuses the cached one.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Bump when imageRecipe() changes what goes into the image. */
const RECIPE_VERSION = 1;
const SUITE = 'bookworm';
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
/** A cold build downloads and unpacks a few hundred packages: bounded, but generous. */
const BUILD_TIMEOUT_MS = 30 * 60_000;
const PACKAGE_LIST = path.join(__dirname, 'image', 'packages.txt');

export const LAB_PATH = '/lab/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The lab's DNS server, on the bridge (see network.ts); every host's resolv.conf names it. */
export const LAB_NAMESERVER = '198.18.0.1';

/** The package names of the list: comments and blank lines dropped. */
export function readPackageList(text = fs.readFileSync(PACKAGE_LIST, 'utf8')): string[] {
  const names = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
  for (const name of names) {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) throw new Error(`${PACKAGE_LIST}: not a package name: ${name}`);
  }
  return names;
}

export interface LabImage {
  /** The image's root filesystem: read-only lower layer of every host. */
  readonly rootfs: string;
  /** How long this call took: a cold build, or a cache hit in milliseconds. */
  readonly elapsedMs: number;
  readonly built: boolean;
}

/** The cached image, built first if the package list or the recipe changed. */
export function ensureImage(baseDir: string): LabImage {
  const started = Date.now();
  const packages = readPackageList();
  const key = createHash('sha256')
    .update(JSON.stringify({ RECIPE_VERSION, SUITE, packages }))
    .digest('hex')
    .slice(0, 16);
  const imagesDir = path.join(baseDir, 'images');
  const rootfs = path.join(imagesDir, key);
  if (fs.existsSync(path.join(rootfs, '.lab-image-complete'))) {
    return { rootfs, elapsedMs: Date.now() - started, built: false };
  }
  fs.mkdirSync(imagesDir, { recursive: true });
  const building = path.join(imagesDir, `building-${key}`);
  removeTree(building);
  debootstrap(building, packages, path.join(imagesDir, `build-${key}.log`));
  imageRecipe(building);
  fs.writeFileSync(path.join(building, '.lab-image-complete'), `${packages.join('\n')}\n`);
  // Images of older package lists are dead weight (each is a few hundred MiB).
  for (const old of fs.readdirSync(imagesDir)) {
    if (old !== `building-${key}` && /^[0-9a-f]{16}$/.test(old)) removeTree(path.join(imagesDir, old));
  }
  fs.renameSync(building, rootfs);
  return { rootfs, elapsedMs: Date.now() - started, built: true };
}

function debootstrap(target: string, packages: string[], logFile: string): void {
  const mirror = process.env.CDKTF_FAILOVER_LAB_MIRROR ?? DEFAULT_MIRROR;
  const args = ['--variant=minbase', `--include=${packages.join(',')}`, SUITE, target, mirror];
  console.error(
    `Building the lab image (debootstrap ${SUITE}, ${packages.length} packages); log: ${logFile}`,
  );
  const log = fs.openSync(logFile, 'w');
  try {
    const r = spawnSync('debootstrap', args, { stdio: ['ignore', log, log], timeout: BUILD_TIMEOUT_MS });
    if (r.error || r.status !== 0) {
      const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
      throw new Error(
        `debootstrap could not build the lab image from ${mirror} (${r.error?.message ?? `exit ${r.status}`}); last lines of ${logFile}:\n${tail}`,
      );
    }
  } finally {
    fs.closeSync(log);
  }
}

/** What every host shares beyond the packages: no host keys (each host has its own), the lab's DNS, PATH. */
function imageRecipe(root: string): void {
  for (const f of fs.readdirSync(path.join(root, 'etc/ssh'))) {
    if (f.startsWith('ssh_host_')) fs.rmSync(path.join(root, 'etc/ssh', f));
  }
  fs.rmSync(path.join(root, 'etc/resolv.conf'), { force: true });
  fs.writeFileSync(
    path.join(root, 'etc/resolv.conf'),
    `nameserver ${LAB_NAMESERVER}\noptions timeout:1 attempts:2\n`,
  );
  // Login shells source /etc/profile, which resets PATH: put the emulators back in front.
  fs.writeFileSync(path.join(root, 'etc/profile.d/00-lab-path.sh'), `PATH=${LAB_PATH}\nexport PATH\n`);
  for (const dir of ['lab/bin', 'lab/shared', 'lab/nfs', 'run/sshd']) {
    fs.mkdirSync(path.join(root, dir), { recursive: true, mode: 0o755 });
  }
  // Downloaded packages are not needed once installed.
  const archives = path.join(root, 'var/cache/apt/archives');
  for (const f of fs.readdirSync(archives)) if (f.endsWith('.deb')) fs.rmSync(path.join(archives, f));
}

function removeTree(dir: string): void {
  if (fs.existsSync(dir)) spawnSync('rm', ['-rf', '--one-file-system', dir], { stdio: 'ignore' });
}
