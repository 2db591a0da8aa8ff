/**
 * NfsSharedDir's remote reads. Each is a fact (src/frame): a command (commands.ts), a pure parser
 * (parse.ts), and the documented value that means "missing".
 */
import { shellScript, MISSING_FILE_STATUS } from '../../src/dialect/posix';
import type { Fact } from '../../src/frame/fact';
import { StepFailure } from '../../src/errors';
import { tail } from '../../src/runner/remote-host';
import type { OwnerSpec } from './actions';
import { DUMP_EXPORTS_FILES, findMount, HOST_FACTS, NOTHING_MOUNTED_STATUS, ownerAndMode } from './commands';
import type { MountEntry } from './mount-options';
import {
  ExportsFileHit,
  ExportTableEntry,
  findExportsOf,
  HostFacts,
  mountOnTop,
  parseExportfsVerbose,
  parseHostFacts,
  parseOwnerAndMode,
} from './parse';

/**
 * Fact `mount`: the mount on top of `mountPath` on the host `hostLabel` names (for its messages).
 * Missing (findmnt exit 1): undefined, nothing is mounted there.
 */
export function mountFact(mountPath: string, hostLabel: string): Fact<MountEntry | undefined> {
  return {
    name: `the mount table at ${mountPath} (findmnt)`,
    call: () => ({ command: findMount(mountPath) }),
    parse: (stdout) => {
      try {
        return mountOnTop(stdout, mountPath);
      } catch (error) {
        throw new StepFailure(
          `findmnt on ${hostLabel} printed something that is not its JSON (${(error as Error).message}); is util-linux's findmnt installed?`,
        );
      }
    },
    missing: { status: NOTHING_MOUNTED_STATUS, value: undefined },
  };
}

/** Fact `exportTable`: `exportfs -v`, what the kernel exports now. */
export const EXPORT_TABLE_FACT: Fact<ExportTableEntry[]> = {
  name: 'the export table (exportfs -v)',
  call: () => ({ command: { argv: ['exportfs', '-v'] } }),
  parse: parseExportfsVerbose,
};

/**
 * Fact `hostFacts`: what the preflight reads on one host (its platform, the missing `commands`,
 * who holds the owner's IDs, what is at `path`, its entries counted when `countEntries`).
 */
export function hostFactsFact(
  owner: OwnerSpec,
  commands: readonly string[],
  path: string,
  countEntries: boolean,
): Fact<HostFacts> {
  return {
    name: 'the facts for the preflight',
    call: () => ({
      command: {
        argv: shellScript(
          HOST_FACTS,
          commands.join(' '),
          String(owner.uid),
          owner.user,
          String(owner.gid),
          owner.group,
          path,
          countEntries ? 'count' : '',
        ),
      },
    }),
    parse: parseHostFacts,
  };
}

/** Fact `fstab`: /etc/fstab. Missing: empty, no entries. */
export const FSTAB_FACT: Fact<string> = {
  name: '/etc/fstab',
  call: (host) => host.readFileCall('/etc/fstab'),
  parse: (stdout) => stdout,
  missing: { status: MISSING_FILE_STATUS, value: '' },
};

/** Fact `exportsOf`: the lines of the exports files (/etc/exports, /etc/exports.d) that export `path`. None: empty. */
export function exportsFilesFact(path: string): Fact<ExportsFileHit[]> {
  return {
    name: 'the exports files',
    call: () => ({ command: { argv: shellScript(DUMP_EXPORTS_FILES) } }),
    parse: (stdout) => findExportsOf(stdout, path),
  };
}

/** What `stat` shows of a path: its owner and mode, or why it could not be read (a value, not a failure). */
export type OwnerAndMode = { readonly seen: string } | { readonly unreadable: string };

/** Fact `ownerAndMode`: the owner and mode of `path` as this host sees them. */
export function ownerAndModeFact(path: string): Fact<OwnerAndMode> {
  return {
    name: `the owner and mode of ${path}`,
    call: () => ({ command: ownerAndMode(path) }),
    parse: (stdout) => ({ seen: parseOwnerAndMode(stdout) }),
    failure: (result) => ({ unreadable: describeResult(result.code, result.stderr || result.stdout) }),
  };
}

/** A failed command in a few words: its exit status and the last lines it printed. */
export function describeResult(code: number | null, output: string): string {
  const said = tail(output, 2);
  return `exit ${code}${said ? `: ${said}` : ''}`;
}
