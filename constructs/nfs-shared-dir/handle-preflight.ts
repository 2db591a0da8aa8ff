/**
 * The preflight: visits every host of the share (server and clients) and reports every problem at
 * once, before any step changes anything.
 */
import { problemList, StepFailure } from '../../src/errors';
import { gatherFacts } from '../../src/frame/fact';
import type { ActionHandler } from '../../src/runner/action-handler';
import { problemsOnHost } from '../../src/runner/host-problems';
import type { RemoteHost } from '../../src/runner/remote-host';
import type { HostConfig } from '../../src/schema/host';
import type { PreflightAction } from './actions';
import { findFstabEntries } from './parse';
import { exportProblems, identityProblems, mountPointProblems, platformProblems } from './preflight-rules';
import { exportsFilesFact, FSTAB_FACT, hostFactsFact, mountFact } from './facts';
import { CLIENT_COMMANDS, SERVER_COMMANDS } from './commands';

/**
 * Two round trips: the mount point's entries are counted only when nothing is mounted there (a
 * mounted share may be large, and root may not list it), so the mount table is read first.
 */
async function checkClient(host: RemoteHost, action: PreflightAction): Promise<string[]> {
  const { mounted } = await gatherFacts(host, { mounted: mountFact(action.mountPath, host.label) });
  const { facts, fstab } = await gatherFacts(host, {
    facts: hostFactsFact(action.owner, CLIENT_COMMANDS, action.mountPath, mounted === undefined),
    fstab: FSTAB_FACT,
  });
  const platform = platformProblems(host.label, facts);
  if (facts.os !== 'Linux') return platform;
  return [
    ...platform,
    ...identityProblems(host.label, facts, action.owner),
    ...mountPointProblems(
      host.label,
      facts,
      action.mountPath,
      action.exportSource,
      mounted,
      findFstabEntries(fstab, action.mountPath),
    ),
  ];
}

async function checkServer(host: RemoteHost, action: PreflightAction): Promise<string[]> {
  const server = action.server!;
  const { facts, exportsOf } = await gatherFacts(host, {
    facts: hostFactsFact(action.owner, SERVER_COMMANDS, server.exportPath, true),
    exportsOf: exportsFilesFact(server.exportPath),
  });
  const platform = platformProblems(host.label, facts);
  if (facts.os !== 'Linux') return platform;
  const others = exportsOf.filter((hit) => hit.file !== server.exportsFile);
  return [
    ...platform,
    ...identityProblems(host.label, facts, action.owner),
    ...exportProblems(host.label, facts, server.exportPath, action.owner, others),
  ];
}

/**
 * Every problem the shared directory's hosts have, without failing: for this construct's preflight
 * and for a composite construct's, which reports them with its own.
 */
export async function sharedDirectoryProblems(
  action: PreflightAction,
  connect: (h: HostConfig) => Promise<RemoteHost>,
): Promise<{ problems: string[]; hosts: number }> {
  const results = await Promise.all([
    ...(action.server
      ? [problemsOnHost(action.server.host, connect, (host) => checkServer(host, action))]
      : []),
    ...action.clients.map((client) => problemsOnHost(client, connect, (host) => checkClient(host, action))),
  ]);
  return { problems: results.flat(), hosts: results.length };
}

export const preflight: ActionHandler<PreflightAction> = async (action, context) => {
  const { problems, hosts } = await sharedDirectoryProblems(action, (h) => context.connect(h));
  if (problems.length > 0) {
    throw new StepFailure(
      problemList('the shared directory cannot be set up yet; nothing was changed on any host:', problems),
    );
  }
  return { changed: false, detail: `${hosts} host${hosts === 1 ? '' : 's'} ready` };
};
