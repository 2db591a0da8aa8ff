/**
 * The preflight: visits every host of the share (server and clients) and reports every problem at
 * once, before any step changes anything.
 */
import { shellScript } from '../../src/dialect/posix';
import { problemList, StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import { HostConfig, hostLabel } from '../../src/schema/host';
import type { PreflightAction } from './actions';
import { findExportsOf, findFstabEntries } from './parse';
import {
  CLIENT_COMMANDS,
  exportProblems,
  HostFacts,
  identityProblems,
  mountPointProblems,
  parseHostFacts,
  platformProblems,
  SERVER_COMMANDS,
} from './preflight-rules';
import { readMount } from './facts';
import { DUMP_EXPORTS_FILES, HOST_FACTS } from './commands';

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

/** Runs one host's checks; an unreachable host is a problem to report, not a reason to stop looking. */
async function onHost(
  config: HostConfig,
  connect: (h: HostConfig) => Promise<RemoteHost>,
  check: (host: RemoteHost) => Promise<string[]>,
): Promise<string[]> {
  try {
    return await check(await connect(config));
  } catch (error) {
    if (error instanceof StepFailure)
      return [
        error.message.startsWith(hostLabel(config))
          ? error.message
          : `${hostLabel(config)}: ${error.message}`,
      ];
    throw error;
  }
}

export const preflight: ActionHandler<PreflightAction> = async (action, context) => {
  const connect = (h: HostConfig) => context.connect(h);
  const results = await Promise.all([
    ...(action.server ? [onHost(action.server.host, connect, (host) => checkServer(host, action))] : []),
    ...action.clients.map((client) => onHost(client, connect, (host) => checkClient(host, action))),
  ]);
  const problems = results.flat();
  if (problems.length > 0) {
    throw new StepFailure(
      problemList('the shared directory cannot be set up yet; nothing was changed on any host:', problems),
    );
  }
  return { changed: false, detail: `${results.length} host${results.length === 1 ? '' : 's'} ready` };
};
