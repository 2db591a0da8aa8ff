/**
 * Step 10: the user's HTTPS files and commands (the vendor's page is not public), then every
 * endpoint must answer TLS, reached from the proxy, with a certificate that names it.
 */
import { createHash } from 'node:crypto';
import { problemList, StepFailure } from '../../src/errors';
import { hostHasBytes, readLocalFile } from './local-files';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { certificateNames, peerCertificateThrough } from '../../src/runner/tunnel';
import type { HttpsAction, HttpsHostWork } from './actions';

/**
 * The pending marker of a host's HTTPS commands: left before a file they follow is written,
 * cleared once they all succeeded, so commands that failed after their files were written run
 * again on the next deploy, when the files already match. Named by the commands themselves, so two
 * sets of commands on one host keep two markers.
 */
export function httpsMarker(commands: HttpsHostWork['commands']): string {
  return `https-commands-${createHash('sha256').update(JSON.stringify(commands)).digest('hex').slice(0, 16)}`;
}

/**
 * Writes the files that differ (atomically, with a backup); runs the commands when one did, or
 * when an earlier run wrote files and its commands did not all succeed. Returns how many files
 * differed and whether commands were due.
 */
export async function applyHttpsFiles(
  host: RemoteHost,
  work: HttpsHostWork,
  checkOnly: boolean,
): Promise<{ changedFiles: number; commandsDue: boolean }> {
  const marker = httpsMarker(work.commands);
  const differing: HttpsHostWork['files'][number][] = [];
  for (const file of work.files) {
    const bytes = readLocalFile(file.localFile);
    const sameBytes = await hostHasBytes(host, file.path, bytes);
    const meta = sameBytes ? await host.fileMeta(file.path) : undefined;
    const sameMeta =
      meta !== undefined &&
      meta.mode === file.mode &&
      (file.owner === undefined || meta.owner === file.owner) &&
      (file.group === undefined || meta.group === file.group);
    if (!(sameBytes && sameMeta)) differing.push(file);
  }
  const commandsDue = work.commands.length > 0 && (differing.length > 0 || (await host.isPending(marker)));
  if (checkOnly) return { changedFiles: differing.length, commandsDue };
  if (differing.length > 0 && work.commands.length > 0)
    await host.setPending(marker, `HTTPS files written; their commands have not all succeeded yet`);
  for (const file of differing)
    await host.writeFile(file.path, readLocalFile(file.localFile), {
      mode: file.mode,
      ...(file.owner ? { owner: file.owner } : {}),
      ...(file.group ? { group: file.group } : {}),
    });
  if (commandsDue) {
    for (const command of work.commands)
      await host.runOrFail({ argv: command }, `HTTPS command ${command.join(' ')}`);
    await host.clearPending(marker);
  }
  return { changedFiles: differing.length, commandsDue };
}

export const https: ActionHandler<HttpsAction> = async (action, context) => {
  let changedFiles = 0;
  let commandsRun = 0;
  for (const work of action.hosts) {
    const applied = await applyHttpsFiles(await context.connect(work.host), work, context.checkOnly);
    changedFiles += applied.changedFiles;
    if (applied.commandsDue) commandsRun += 1;
  }
  const problems: string[] = [];
  for (const endpoint of action.endpoints) {
    try {
      const cert = await peerCertificateThrough(context.host, endpoint.address, endpoint.port, endpoint.name);
      if (!certificateNames(cert, endpoint.name))
        problems.push(
          `${endpoint.address}:${endpoint.port} presents a certificate (${cert.subject}) whose Subject Alternative Names (${[...cert.dnsNames, ...cert.ipAddresses].join(', ') || 'none'}) do not name ${endpoint.name}`,
        );
      else if (cert.validTo.getTime() < Date.now())
        problems.push(
          `${endpoint.address}:${endpoint.port} presents a certificate that expired on ${cert.validTo.toISOString()}`,
        );
    } catch (error) {
      if (!(error instanceof StepFailure)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new StepFailure(problemList('HTTPS is not in place:', problems));
  return {
    changed: changedFiles > 0 || commandsRun > 0,
    detail: `${changedFiles} file(s) written${commandsRun > 0 ? `, commands run on ${commandsRun} host(s)` : ''}; ${action.endpoints.length} endpoint(s) answer TLS with a certificate naming them`,
  };
};
