/**
 * When the user's HTTPS commands are due on a host. Pure: the handler gathers the facts (which
 * files differ, whether a marker is pending) and carries out what this decides.
 */
import { createHash } from 'node:crypto';

/** Where this construct records, on each host, the sets of HTTPS commands it has given. */
export const HTTPS_RECORDS = '/var/lib/cdktf-failover/https';

/** A digest of the commands: two sets of commands on one host keep two markers and two records. */
function commandsDigest(commands: readonly (readonly string[])[]): string {
  return createHash('sha256').update(JSON.stringify(commands)).digest('hex').slice(0, 16);
}

/**
 * The pending marker of a host's HTTPS commands: left before anything of theirs is written,
 * cleared only once they all succeeded and every endpoint passed the TLS check, so commands that
 * failed (or ran without HTTPS answering) run again on the next deploy, although their files then
 * already match.
 */
export function httpsMarker(commands: readonly (readonly string[])[]): string {
  return `https-commands-${commandsDigest(commands)}`;
}

/**
 * The record of a set of commands, written on the host like one of their files: on a host with no
 * files it is what makes them due once (absent at first), and new commands are due although the
 * files match (another name).
 */
export function httpsRecord(commands: readonly (readonly string[])[]): { path: string; content: string } {
  return {
    path: `${HTTPS_RECORDS}/${commandsDigest(commands)}`,
    content: `${JSON.stringify(commands)}\n`,
  };
}

/**
 * The commands run when one of their files (or their record) is written, or when an earlier run
 * left them pending; never when there are none.
 */
export function httpsCommandsDue(facts: {
  readonly commands: number;
  readonly differing: number;
  readonly pending: boolean;
}): boolean {
  return facts.commands > 0 && (facts.differing > 0 || facts.pending);
}
