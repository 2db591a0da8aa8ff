/**
 * The lab image: one Debian root filesystem built with debootstrap from the package list beside
 * this file, cached under the lab's base directory and shared read-only by every host (each host
 * writes to its own copy-on-write layer over it, see rootfs.ts).
 *
 * The cache key is the package list, the suite and the image recipe version: editing packages.txt
 * builds a new image on the next start; anything else reuses the cached one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Bump when imageRecipe() changes what goes into the image. */
const RECIPE_VERSION = 1;
const SUITE = 'bookworm';
/** Overrides the Debian mirror that the machine's own apt sources name. */
export const MIRROR_ENV = 'CDKTF_FAILOVER_LAB_MIRROR';
/** How often a build in progress says how far it got. */
const PROGRESS_EVERY_MS = 10_000;
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
export async function ensureImage(baseDir: string): Promise<LabImage> {
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
  await debootstrap(building, packages, path.join(imagesDir, `build-${key}.log`));
  imageRecipe(building);
  fs.writeFileSync(path.join(building, '.lab-image-complete'), `${packages.join('\n')}\n`);
  // Images of older package lists are dead weight (each is a few hundred MiB).
  for (const old of fs.readdirSync(imagesDir)) {
    if (old !== `building-${key}` && /^[0-9a-f]{16}$/.test(old)) removeTree(path.join(imagesDir, old));
  }
  fs.renameSync(building, rootfs);
  return { rootfs, elapsedMs: Date.now() - started, built: true };
}

/**
 * The Debian mirror the image is built from: $CDKTF_FAILOVER_LAB_MIRROR, else the one this machine's
 * apt already uses, so the lab fetches from wherever the machine is allowed to.
 */
export function labMirror(env = process.env, sources = readAptSources()): string {
  const override = env[MIRROR_ENV]?.trim();
  if (override) return override;
  const mirror = debianMirrorOf(sources);
  if (!mirror) {
    throw new Error(
      `No Debian archive for the lab image was found in this machine's apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/): add one, or set ${MIRROR_ENV} to a Debian mirror's URL.`,
    );
  }
  return mirror;
}

/** Every apt source file of this machine, with its name: one-line `.list` files and deb822 `.sources`. */
export function readAptSources(root = '/etc/apt'): { file: string; text: string }[] {
  const files = [path.join(root, 'sources.list')];
  const dir = path.join(root, 'sources.list.d');
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir).sort()) {
      if (f.endsWith('.list') || f.endsWith('.sources')) files.push(path.join(dir, f));
    }
  }
  return files.filter((f) => fs.existsSync(f)).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
}

interface AptSource {
  readonly uris: string[];
  readonly suites: string[];
  readonly components: string[];
}

/**
 * The archive serving the lab's suite: a `deb` source naming the suite itself, else one naming any
 * Debian release suite (not -security, -updates or -backports, which hold only some packages).
 */
export function debianMirrorOf(sources: { file: string; text: string }[]): string | undefined {
  const all = sources.flatMap(({ file, text }) =>
    file.endsWith('.sources') ? parseDeb822(text) : parseOneLine(text),
  );
  const withMain = all.filter((s) => s.components.includes('main') && s.uris.length > 0);
  const exact = withMain.find((s) => s.suites.includes(SUITE));
  const release = withMain.find((s) => s.suites.some((suite) => !/[-/]/.test(suite)));
  return (exact ?? release)?.uris[0]?.replace(/\/+$/, '');
}

function parseOneLine(text: string): AptSource[] {
  return text.split('\n').flatMap((raw) => {
    const words = raw
      .replace(/#.*$/, '')
      .replace(/\[[^\]]*\]/g, ' ')
      .trim()
      .split(/\s+/);
    if (words[0] !== 'deb' || words.length < 4) return [];
    return [{ uris: [words[1]], suites: [words[2]], components: words.slice(3) }];
  });
}

function parseDeb822(text: string): AptSource[] {
  return text.split(/\n\s*\n/).flatMap((stanza) => {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) fields.set(m[1].toLowerCase(), m[2].trim());
    }
    const list = (name: string) => (fields.get(name) ?? '').split(/\s+/).filter(Boolean);
    if (!list('types').includes('deb') || /^(no|false)$/i.test(fields.get('enabled') ?? '')) return [];
    return [{ uris: list('uris'), suites: list('suites'), components: list('components') }];
  });
}

/** How far a debootstrap log got: packages retrieved, unpacked and configured. */
export function buildProgress(log: string): { retrieved: number; unpacked: number; configured: number } {
  const count = (pattern: RegExp) => (log.match(pattern) ?? []).length;
  return {
    retrieved: count(/^I: Retrieving (?!Release|InRelease|Packages)/gm),
    unpacked: count(/^I: (?:Unpacking|Extracting) /gm),
    configured: count(/^I: Configuring /gm),
  };
}

async function debootstrap(target: string, packages: string[], logFile: string): Promise<void> {
  const mirror = labMirror();
  const args = ['--variant=minbase', `--include=${packages.join(',')}`, SUITE, target, mirror];
  const started = Date.now();
  console.error(
    `Building the lab image (debootstrap ${SUITE} from ${mirror}, ${packages.length} packages); log: ${logFile}`,
  );
  const log = fs.openSync(logFile, 'w');
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const ticker = setInterval(() => {
    const p = buildProgress(fs.readFileSync(logFile, 'utf8'));
    console.error(
      `  lab image: ${seconds()} s, ${p.retrieved} packages fetched, ${p.unpacked} unpacked, ${p.configured} configured (log: ${logFile})`,
    );
  }, PROGRESS_EVERY_MS);
  try {
    const outcome = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
      const child = spawn('debootstrap', args, { stdio: ['ignore', log, log], timeout: BUILD_TIMEOUT_MS });
      child.on('error', (error) => resolve({ code: null, error }));
      child.on('close', (code) => resolve({ code }));
    });
    if (outcome.error || outcome.code !== 0) {
      const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
      const last = /^(?:E|W): .*$/m.exec(tail.split('\n').reverse().join('\n'))?.[0];
      throw new Error(
        `The lab image could not be built: debootstrap ${outcome.error?.message ?? `exited ${outcome.code ?? 'on a signal'}`} after ${seconds()} s fetching ${SUITE} from ${mirror}${last ? ` (${last})` : ''}; see ${logFile}. Last lines:\n${tail}`,
      );
    }
    console.error(`Lab image built in ${seconds()} s.`);
  } finally {
    clearInterval(ticker);
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
