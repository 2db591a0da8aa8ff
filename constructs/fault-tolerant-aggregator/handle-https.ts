/**
 * Step 10: the user's HTTPS files and commands (the vendor's page is not public), then every
 * endpoint must answer TLS, reached from the proxy, with a certificate that names it.
 *
 * Not an operation of the frame (src/frame/operation.ts), which verifies a change on the host it
 * made it on by deciding again: here the change is made on three hosts and only holds once every
 * endpoint answers TLS from the proxy, so each host's pending marker is cleared after that
 * cross-host check. It keeps the frame's rules by hand: check-only changes nothing, the marker is
 * written before the first write, and the decision (https-rules.ts) is pure.
 */
import * as fs from 'node:fs';
import { problemList, StepFailure } from '../../src/errors';
import { hostHasBytes, readLocalFile } from './local-files';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { certificateNames, peerCertificateThrough } from '../../src/runner/tunnel';
import type { HttpsAction, HttpsHostWork } from './actions';
import { httpsCommandsDue, httpsMarker } from './https-rules';

type HttpsFile = HttpsHostWork['files'][number];

/** Fact `sameFile`: the host's file holds these bytes with this mode (and owner and group, when given). */
async function hostHasFile(host: RemoteHost, file: HttpsFile, bytes: Buffer): Promise<boolean> {
  if (!(await hostHasBytes(host, file.path, bytes))) return false;
  const meta = await host.fileMeta(file.path);
  return (
    meta !== undefined &&
    meta.mode === file.mode &&
    (file.owner === undefined || meta.owner === file.owner) &&
    (file.group === undefined || meta.group === file.group)
  );
}

/** What is written on a host: the user's files that differ, then the commands' record if absent. */
interface Write {
  readonly path: string;
  readonly bytes: Buffer;
  readonly options: { mode: string; owner?: string; group?: string };
}

async function differingWrites(host: RemoteHost, work: HttpsHostWork): Promise<Write[]> {
  const writes: Write[] = [];
  for (const file of work.files) {
    const bytes = readLocalFile(file.localFile);
    if (!(await hostHasFile(host, file, bytes)))
      writes.push({
        path: file.path,
        bytes,
        options: {
          mode: file.mode,
          ...(file.owner ? { owner: file.owner } : {}),
          ...(file.group ? { group: file.group } : {}),
        },
      });
  }
  if (work.record) {
    const bytes = Buffer.from(work.record.content, 'utf8');
    if (!(await hostHasBytes(host, work.record.path, bytes)))
      writes.push({ path: work.record.path, bytes, options: { mode: '0600' } });
  }
  return writes;
}

/**
 * Writes the files that differ (atomically, with a backup); runs the commands when one did (their
 * record included), or when an earlier run left them pending. The pending marker is written before
 * the first write and left in place: the caller clears it once HTTPS is verified. Returns how many
 * of the user's files differed and whether commands were due.
 */
export async function applyHttpsFiles(
  host: RemoteHost,
  work: HttpsHostWork,
  checkOnly: boolean,
): Promise<{ changedFiles: number; commandsDue: boolean }> {
  const marker = httpsMarker(work.commands);
  const writes = await differingWrites(host, work);
  const changedFiles = writes.filter((w) => w.path !== work.record?.path).length;
  const pending = work.commands.length > 0 && (await host.isPending(marker));
  const commandsDue = httpsCommandsDue({ commands: work.commands.length, differing: writes.length, pending });
  if (checkOnly) return { changedFiles, commandsDue };
  if (commandsDue && !pending)
    await host.setPending(marker, 'HTTPS commands due; cleared once they succeeded and HTTPS is verified');
  for (const write of writes) await host.writeFile(write.path, write.bytes, write.options);
  if (commandsDue)
    for (const command of work.commands)
      await host.runOrFail({ argv: command }, `HTTPS command ${command.join(' ')}`);
  return { changedFiles, commandsDue };
}

/** The CA bundle, read on the machine that runs terraform; a problem when it cannot be. */
function readCaBundle(file: string | undefined): { pem?: string; problem?: string } {
  if (file === undefined) return {};
  try {
    return { pem: fs.readFileSync(file, 'utf8') };
  } catch (error) {
    return {
      problem: `https.caBundleFile ${file} cannot be read on this machine (where terraform runs): ${(error as Error).message}`,
    };
  }
}

/**
 * Every endpoint, reached from `from`, answers TLS with a certificate that names it and has not
 * expired, and with a CA bundle, whose chain validates against it.
 */
async function endpointProblems(
  from: RemoteHost,
  endpoints: HttpsAction['endpoints'],
  ca: string | undefined,
): Promise<string[]> {
  const problems: string[] = [];
  for (const endpoint of endpoints) {
    try {
      const cert = await peerCertificateThrough(
        from,
        endpoint.address,
        endpoint.port,
        endpoint.name,
        10_000,
        ca,
      );
      if (cert.chain && !cert.chain.trusted)
        problems.push(
          `${endpoint.address}:${endpoint.port} presents a certificate (${cert.subject}) whose chain does not validate against https.caBundleFile (${cert.chain.error})`,
        );
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
  return problems;
}

export const https: ActionHandler<HttpsAction> = async (action, context) => {
  let changedFiles = 0;
  const ran: { host: RemoteHost; marker: string }[] = [];
  for (const work of action.hosts) {
    const host = await context.connect(work.host);
    const applied = await applyHttpsFiles(host, work, context.checkOnly);
    changedFiles += applied.changedFiles;
    if (applied.commandsDue) ran.push({ host, marker: httpsMarker(work.commands) });
  }
  const ca = readCaBundle(action.caBundleFile);
  const problems = ca.problem ? [ca.problem] : await endpointProblems(context.host, action.endpoints, ca.pem);
  if (problems.length > 0) {
    const retry =
      ran.length > 0 && !context.checkOnly
        ? `\nThe HTTPS commands on ${ran.map((r) => r.host.label).join(', ')} will run again on the next deploy.`
        : '';
    throw new StepFailure(`${problemList('HTTPS is not in place:', problems)}${retry}`);
  }
  // Only now is the change verified: a marker cleared earlier would lose commands whose effect failed.
  if (!context.checkOnly) for (const r of ran) await r.host.clearPending(r.marker);
  return {
    changed: changedFiles > 0 || ran.length > 0,
    detail: `${changedFiles} file(s) ${context.checkOnly ? 'to write' : 'written'}${ran.length > 0 ? `, commands ${context.checkOnly ? 'due' : 'run'} on ${ran.length} host(s)` : ''}; ${action.endpoints.length} endpoint(s) answer TLS with a certificate naming them${action.caBundleFile ? `, chains validated against ${action.caBundleFile}` : '; their chains were not checked (no https.caBundleFile)'}`,
  };
};
