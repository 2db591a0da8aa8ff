import type { Fact } from '../../src/frame/fact';
/**
 * NfsSharedDir's remote reads. Each is a fact: a command, a pure parser (parse.ts), and what
 * "missing" looks like.
 */
import { StepFailure } from '../../src/errors';
import type { RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import type { MountEntry } from './mount-options';
import { ExportTableEntry, parseExportfsVerbose, parseFindmntJson } from './parse';

/**
 * Fact `mount`: the mount on top of `mountPath`. Missing: undefined, nothing is mounted there. findmnt reads the
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

/** Fact `exportTable`: `exportfs -v`, what the kernel exports now. */
export const EXPORT_TABLE_FACT: Fact<ExportTableEntry[]> = {
  name: 'the export table (exportfs -v)',
  call: () => ({ command: { argv: ['exportfs', '-v'] } }),
  parse: parseExportfsVerbose,
};
