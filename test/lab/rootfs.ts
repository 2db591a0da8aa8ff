/**
 * A host's root filesystem: an overlay of the lab image (read-only, shared by every host) and the
 * host's own upper layer. Everything a host writes lands in its upper layer, so hosts never see
 * each other's writes and a reset is "drop the upper layer".
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUnder, mountPoints } from './mounts';

export interface HostLayers {
  /** The host's merged root, as this machine sees it: what hostPath() resolves into. */
  readonly root: string;
  readonly upper: string;
  readonly work: string;
}

export function hostLayers(hostsDir: string, hostName: string): HostLayers {
  const dir = path.join(hostsDir, hostName);
  return { root: path.join(dir, 'root'), upper: path.join(dir, 'upper'), work: path.join(dir, 'work') };
}

export function isMounted(point: string): boolean {
  return mountPoints().includes(point);
}

/** Mounts a fresh root: an empty upper layer over the image. */
export function mountFreshRoot(imageRootfs: string, layers: HostLayers): void {
  if (isMounted(layers.root)) throw new Error(`${layers.root} is still mounted`);
  for (const dir of [layers.upper, layers.work]) removeTree(dir);
  for (const dir of [layers.root, layers.upper, layers.work])
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  execFileSync(
    'mount',
    [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${imageRootfs},upperdir=${layers.upper},workdir=${layers.work}`,
      layers.root,
    ],
    { stdio: 'pipe' },
  );
  // Private: mounts made inside one host (proc, emulated NFS mounts) never appear anywhere else.
  execFileSync('mount', ['--make-private', layers.root], { stdio: 'pipe' });
}

/** Unmounts the root (everything below it must already be unmounted) and forgets the upper layer. */
export function dropRoot(layers: HostLayers): void {
  const below = mountPoints().filter((m) => isUnder(m, layers.root) && m !== layers.root);
  if (below.length > 0)
    throw new Error(`Refusing to drop ${layers.root}: still mounted below it: ${below.join(', ')}`);
  if (isMounted(layers.root)) execFileSync('umount', [layers.root], { stdio: 'pipe' });
  removeTree(layers.upper);
  removeTree(layers.work);
}

/** Writes a file inside the host (through the merged root, so it lands in the upper layer). */
export function writeHostFile(
  layers: HostLayers,
  pathInHost: string,
  content: string | Buffer,
  mode = 0o644,
): void {
  const file = path.join(layers.root, pathInHost);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
  fs.chmodSync(file, mode);
}

/** rm -rf that never crosses into a mounted filesystem (another host's files, the machine's /dev). */
export function removeTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  const mounted = mountPoints().filter((m) => isUnder(m, dir));
  if (mounted.length > 0)
    throw new Error(`Refusing to delete ${dir}: mounts below it: ${mounted.join(', ')}`);
  spawnSync('rm', ['-rf', '--one-file-system', dir], { stdio: 'pipe' });
}
