/** What the NfsSharedDir action handlers share: reading a mount point, running as the owner. */
import { StepFailure } from '../../src/errors';
import type { RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import type { OwnerSpec } from './action-specs';
import type { MountEntry } from './mount-options';
import { parseFindmntJson } from './parse';

/**
 * The mount on top of `mountPath`, or undefined when nothing is mounted there. findmnt reads the
 * kernel's mount table (/proc/self/mountinfo), with an NFS mount's options as the kernel applied them.
 */
export async function readMount(host: RemoteHost, mountPath: string): Promise<MountEntry | undefined> {
  const result = await host.run({
    argv: ['findmnt', '-J', '-o', 'TARGET,SOURCE,FSTYPE,OPTIONS', '--mountpoint', mountPath],
  });
  if (result.code === 1 && result.stdout.trim() === '') return undefined;
  if (result.code !== 0) {
    throw new StepFailure(
      `cannot read the mount table on ${host.label} (findmnt exit ${result.code}): ${tail(result.stderr || result.stdout, 3)}`,
    );
  }
  try {
    const entries = parseFindmntJson(result.stdout).filter((e) => e.target === mountPath);
    return entries[entries.length - 1];
  } catch (error) {
    throw new StepFailure(
      `findmnt on ${host.label} printed something that is not its JSON (${(error as Error).message}); is util-linux's findmnt installed?`,
    );
  }
}

/**
 * Runs an argv as the share's owner. With root_squash the server treats root as nobody, so the
 * checks read, write and lock as the user the application runs as.
 */
export function asOwner(owner: OwnerSpec, argv: readonly string[]): { argv: string[] } {
  return {
    argv: ['setpriv', `--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--', ...argv],
  };
}
