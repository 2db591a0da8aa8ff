import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** True when `path` is `dir` or lies below it. */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** Mount points of this mount namespace, in mount order (later entries may sit on top of earlier ones). */
export function mountPoints(): string[] {
  return (
    fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      // Field 5 is the mount point; the kernel escapes space, tab, newline and backslash as octal.
      .map((line) =>
        line.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
      )
  );
}

/** Bind-mounts `source` on `target` without letting mount or unmount events leak back to the source. */
export function bindMount(
  source: string,
  target: string,
  opts: { readOnly?: boolean; recursive?: boolean } = {},
): void {
  const args = [opts.recursive ? '--rbind' : '--bind'];
  if (opts.readOnly) args.push('-o', 'ro');
  execFileSync('mount', [...args, source, target], { stdio: 'pipe' });
  // slave: unmounting our copy of /dev/pts must never unmount the system's, even where / is shared.
  execFileSync('mount', [opts.recursive ? '--make-rslave' : '--make-private', target], { stdio: 'pipe' });
}

export function mountProc(target: string): void {
  execFileSync('mount', ['-t', 'proc', 'proc', target], { stdio: 'pipe' });
  execFileSync('mount', ['--make-private', target], { stdio: 'pipe' });
}

/**
 * Unmounts every mount point accepted by `select`, deepest first, falling back to a lazy unmount
 * for busy ones (a session may still have its working directory there).
 */
export function unmountAll(select: (mountPoint: string) => boolean): void {
  for (let round = 0; round < 10; round++) {
    const targets = mountPoints()
      .map((point, order) => ({ point, order }))
      .filter((m) => select(m.point))
      // Deepest first; at the same point, the most recent (topmost) mount first.
      .sort((a, b) => b.point.split('/').length - a.point.split('/').length || b.order - a.order);
    if (targets.length === 0) return;
    for (const { point } of targets) {
      if (spawnSync('umount', [point], { stdio: 'pipe' }).status !== 0) {
        spawnSync('umount', ['-l', point], { stdio: 'pipe' });
      }
    }
  }
  const left = mountPoints().filter(select);
  if (left.length > 0) throw new Error(`Could not unmount: ${left.join(', ')}`);
}
