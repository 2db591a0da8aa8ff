/**
 * The preflight: visits every host of the share (server and clients) and reports every problem at
 * once, before any step changes anything.
 */
import { shellScript } from '../../src/dialect/posix';
import { problemList, StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import { problemsOnHost } from '../../src/runner/host-problems';
import type { RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import type { HostConfig } from '../../src/schema/host';
import type { PreflightAction } from './actions';
import { findExportsOf, findFstabEntries, HostFacts, parseHostFacts } from './parse';
import { exportProblems, identityProblems, mountPointProblems, platformProblems } from './preflight-rules';
import { readMount } from './facts';
import { CLIENT_COMMANDS, DUMP_EXPORTS_FILES, HOST_FACTS, SERVER_COMMANDS } from './commands';

async function gatherFacts(
  host: RemoteHost,
  action: PreflightAction,
  commands: readonly string[],
  path: string,
  countEntries: boolean,
): Promise<HostFacts> {
  const { owner } = action;
  const result = await host.runOrFail(
    {
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
    'gathering facts for the preflight',
  );
  return parseHostFacts(result.stdout);
}

async function checkClient(host: RemoteHost, action: PreflightAction): Promise<string[]> {
  const mounted = await readMount(host, action.mountPath);
  const facts = await gatherFacts(host, action, CLIENT_COMMANDS, action.mountPath, mounted === undefined);
  const platform = platformProblems(host.label, facts);
  if (facts.os !== 'Linux') return platform;
  const fstab = (await host.readFile('/etc/fstab')) ?? '';
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
  const facts = await gatherFacts(host, action, SERVER_COMMANDS, server.exportPath, true);
  const platform = platformProblems(host.label, facts);
  if (facts.os !== 'Linux') return platform;
  const dump = await host.run({ argv: shellScript(DUMP_EXPORTS_FILES) });
  if (dump.code !== 0)
    throw new StepFailure(`cannot read the exports files on ${host.label}: ${tail(dump.stderr, 3)}`);
  const others = findExportsOf(dump.stdout, server.exportPath).filter(
    (hit) => hit.file !== server.exportsFile,
  );
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
