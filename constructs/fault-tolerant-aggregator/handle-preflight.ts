/**
 * The preflight: every host of the procedure, the shared directory and every network path, with
 * every problem reported at once, before anything is installed.
 */
import * as fs from 'node:fs';
import { problemList, StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import { problemsOnHost } from '../../src/runner/host-problems';
import type { RemoteHost } from '../../src/runner/remote-host';
import { HostConfig, hostLabel } from '../../src/schema/host';
import { sharedDirectoryProblems } from '../nfs-shared-dir';
import type { PreflightAction, ProcedureHost } from './actions';
import { readHostFacts, readInstalledVersion } from './facts';
import { hostProblems } from './preflight-rules';
import { checkPaths } from './probe-paths';

async function checkHost(
  host: RemoteHost,
  p: ProcedureHost,
  ready: Set<string>,
  installed: Set<string>,
): Promise<string[]> {
  const facts = await readHostFacts(host, p.installer);
  if (facts.installed) installed.add(host.label);
  const version = facts.installed
    ? await readInstalledVersion(host, p.installer, facts.recordedVersion)
    : undefined;
  const local = p.installer.localFile !== undefined ? fs.existsSync(p.installer.localFile) : undefined;
  if (facts.os === 'Linux' && facts.python) ready.add(host.label);
  return hostProblems(p, facts, version, local);
}

export const preflight: ActionHandler<PreflightAction> = async (action, context) => {
  const connect = (h: HostConfig) => context.connect(h);
  // Hosts that answered and can run the probes; paths touching any other host are not probed.
  const probeable = new Set<string>();
  // Hosts whose component is installed: its service owns its ports, no listener of ours takes them.
  const installed = new Set<string>();
  const hosts = action.hosts;
  const [hostResults, shared] = await Promise.all([
    Promise.all(
      hosts.map((p) => problemsOnHost(p.host, connect, (h) => checkHost(h, p, probeable, installed))),
    ),
    action.sharedDirectory
      ? sharedDirectoryProblems(action.sharedDirectory, connect)
      : Promise.resolve({ problems: [] as string[], hosts: 0 }),
  ]);
  const paths = action.paths.filter(
    (p) => probeable.has(hostLabel(p.from)) && (!p.toHost || probeable.has(hostLabel(p.toHost))),
  );
  const listenOn = new Set([...probeable].filter((label) => !installed.has(label)));
  const pathResults = await checkPaths(paths, connect, listenOn);
  const problems = [...hostResults.flat(), ...shared.problems, ...pathResults];
  if (problems.length > 0)
    throw new StepFailure(
      problemList(
        'the fault-tolerant aggregators cannot be set up yet; nothing was installed or changed:',
        problems,
      ),
    );
  return {
    changed: false,
    detail: `${hosts.length} hosts ready, ${paths.length} network paths open${action.sharedDirectory ? ', shared directory ready' : ''}`,
  };
};
