/**
 * Step 10: the user's HTTPS files and commands (the vendor's page is not public), then every
 * endpoint must answer TLS, reached from the proxy, with a certificate that names it.
 */
import { problemList, StepFailure } from '../../src/errors';
import { hostHasBytes, readLocalFile } from './local-files';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { certificateNames, peerCertificateThrough } from '../../src/runner/tunnel';
import type { HttpsAction, HttpsHostWork } from './actions';

/** Writes the files that differ (atomically, with a backup); runs the commands when one did. */
async function applyOnHost(host: RemoteHost, work: HttpsHostWork, checkOnly: boolean): Promise<number> {
  let changed = 0;
  for (const file of work.files) {
    const bytes = readLocalFile(file.localFile);
    const sameBytes = await hostHasBytes(host, file.path, bytes);
    const meta = sameBytes ? await host.fileMeta(file.path) : undefined;
    const sameMeta =
      meta !== undefined &&
      meta.mode === file.mode &&
      (file.owner === undefined || meta.owner === file.owner) &&
      (file.group === undefined || meta.group === file.group);
    if (sameBytes && sameMeta) continue;
    changed++;
    if (!checkOnly)
      await host.writeFile(file.path, bytes, {
        mode: file.mode,
        ...(file.owner ? { owner: file.owner } : {}),
        ...(file.group ? { group: file.group } : {}),
      });
  }
  if (changed > 0 && !checkOnly)
    for (const command of work.commands)
      await host.runOrFail({ argv: command }, `HTTPS command ${command.join(' ')}`);
  return changed;
}

export const https: ActionHandler<HttpsAction> = async (action, context) => {
  let changedFiles = 0;
  for (const work of action.hosts)
    changedFiles += await applyOnHost(await context.connect(work.host), work, context.checkOnly);
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
    changed: changedFiles > 0,
    detail: `${changedFiles} file(s) written; ${action.endpoints.length} endpoint(s) answer TLS with a certificate naming them`,
  };
};
