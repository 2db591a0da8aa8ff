/**
 * The preflight: every host of the procedure, the shared directory and every network path, with
 * every problem reported at once, before anything is installed.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { problemList, StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import { problemsOnHost } from '../../src/runner/host-problems';
import type { RemoteHost } from '../../src/runner/remote-host';
import { HostConfig, hostLabel } from '../../src/schema/host';
import { sharedDirectoryProblems } from '../nfs-shared-dir';
import type { PreflightAction, ProcedureHost, ShareAccountCheck } from './actions';
import { SHARE_PROBE_PREFIX } from './commands';
import { readHostFacts, readInstalledVersion, shareAccountFact } from './facts';
import { readFact } from '../../src/frame/fact';
import { installDecision } from './install-rules';
import { COMPONENT_NAMES } from './netops';
import { hostProblems } from './preflight-rules';
import { checkPaths } from './probe-paths';
import {
  accountIdentityProblems,
  predictedWriteProblems,
  type ShareAccountProbe,
  writeProbeProblems,
} from './share-account-rules';
import { aggregatorVersionProblems, type AggregatorUpgradeFacts } from './upgrade-rules';

/** What the preflight learns of the hosts beside their problems. */
interface Learned {
  /** Hosts that answered and can run the probes. */
  readonly probeable: Set<string>;
  /** Hosts whose component is installed: its service owns its ports, no listener of ours takes them. */
  readonly installed: Set<string>;
  /** Each aggregator's install, for the rule that both end this deploy on one version. */
  readonly aggregators: AggregatorUpgradeFacts[];
}

async function checkHost(host: RemoteHost, p: ProcedureHost, learned: Learned): Promise<string[]> {
  const facts = await readHostFacts(host, p.installer);
  if (facts.installed) learned.installed.add(host.label);
  const version = facts.installed
    ? await readInstalledVersion(host, p.installer, facts.recordedVersion)
    : undefined;
  const local = p.installer.localFile !== undefined ? fs.existsSync(p.installer.localFile) : undefined;
  if (facts.os === 'Linux' && facts.python) learned.probeable.add(host.label);
  if (p.component === 'aggregator')
    learned.aggregators.push({
      label: host.label,
      name: COMPONENT_NAMES.aggregator,
      present: facts.installed,
      ...(version !== undefined ? { version } : {}),
      decision: installDecision(p.installer, facts.installed && facts.recorded, version, facts.installed),
      marked: false,
    });
  return hostProblems(p, facts, version, local);
}

/**
 * The two aggregators must end this deploy on one version (an upgrade refused on one side, or a
 * version that cannot be read, would leave the pair mixed): refused here, before anything changes.
 * A host that already has a problem of its own is left to it.
 */
function pairVersionProblems(action: PreflightAction, learned: Learned, hostProblemCount: number): string[] {
  if (learned.aggregators.length !== 2 || hostProblemCount > 0) return [];
  const wanted = action.hosts.find((h) => h.component === 'aggregator')?.installer.version;
  return aggregatorVersionProblems(learned.aggregators, wanted);
}

/**
 * The account the aggregators write the shared directory as, from both aggregators: it exists with
 * the same IDs on both; where the share is mounted (a deployed site, or a share mounted by other
 * means), a new file is written, locked and deleted in it as the account; where it is not mounted
 * yet, the export the share's own server step will set up is checked for what it lets the account
 * do. Where neither can be known (another server, not mounted), the write is not checked here.
 */
export async function shareAccountProblems(
  check: ShareAccountCheck,
  connect: (h: HostConfig) => Promise<RemoteHost>,
): Promise<{ problems: string[]; probed: number }> {
  // A name of its own on each aggregator: both write in the same directory at the same time.
  const token = randomBytes(8).toString('hex');
  const answers: { label: string; probe: ShareAccountProbe; probeFile: string }[] = [];
  const unreachable = await Promise.all(
    check.aggregators.map((aggregator, i) =>
      problemsOnHost(aggregator, connect, async (host) => {
        const probeFile = `${SHARE_PROBE_PREFIX}${token}-${i + 1}`;
        const fact = shareAccountFact(check.account, check.mountPath, probeFile);
        const [result] = await host.batch([fact.call(host)]);
        answers.push({ label: host.label, probe: readFact(host, fact, result), probeFile });
        return [];
      }),
    ),
  );
  // In the aggregators' order, whichever answered first.
  answers.sort((a, b) => a.probeFile.localeCompare(b.probeFile));
  const problems = [...unreachable.flat(), ...accountIdentityProblems(check.account, answers, check.owner)];
  let probed = 0;
  for (const { label, probe, probeFile } of answers) {
    if (probe.account !== 'present') continue;
    if (probe.mounted) {
      probed++;
      problems.push(
        ...writeProbeProblems(label, check.account, probe, check.mountPath, probe.probe, probeFile),
      );
    } else if (check.plannedExport)
      problems.push(
        ...predictedWriteProblems(
          label,
          check.account,
          probe,
          check.mountPath,
          check.owner,
          check.plannedExport,
        ),
      );
  }
  return { problems, probed };
}

export const preflight: ActionHandler<PreflightAction> = async (action, context) => {
  const connect = (h: HostConfig) => context.connect(h);
  const learned: Learned = { probeable: new Set(), installed: new Set(), aggregators: [] };
  const { probeable, installed } = learned;
  const hosts = action.hosts;
  const [hostResults, shared, account] = await Promise.all([
    Promise.all(hosts.map((p) => problemsOnHost(p.host, connect, (h) => checkHost(h, p, learned)))),
    action.sharedDirectoryPreflight
      ? sharedDirectoryProblems(action.sharedDirectoryPreflight, connect)
      : Promise.resolve({ problems: [] as string[], hosts: 0 }),
    action.shareAccount
      ? shareAccountProblems(action.shareAccount, connect)
      : Promise.resolve({ problems: [] as string[], probed: 0 }),
  ]);
  const paths = action.paths.filter(
    (p) => probeable.has(hostLabel(p.from)) && (!p.toHost || probeable.has(hostLabel(p.toHost))),
  );
  const listenOn = new Set([...probeable].filter((label) => !installed.has(label)));
  const pathResults = await checkPaths(paths, connect, listenOn);
  const problems = [
    ...hostResults.flat(),
    ...pairVersionProblems(action, learned, hostResults.flat().length),
    ...shared.problems,
    ...account.problems,
    ...pathResults,
  ];
  if (problems.length > 0)
    throw new StepFailure(
      problemList(
        'the fault-tolerant aggregators cannot be set up yet; nothing was installed or changed:',
        problems,
      ),
    );
  return {
    changed: false,
    detail: `${hosts.length} hosts ready, ${paths.length} network paths open${action.sharedDirectoryPreflight ? ', shared directory ready' : ''}${accountDetail(action.shareAccount, account.probed)}`,
  };
};

function accountDetail(check: ShareAccountCheck | undefined, probed: number): string {
  if (!check) return '';
  if (probed > 0)
    return `, ${check.account} writes, locks and deletes in ${check.mountPath} on ${probed} aggregator(s)`;
  return `, ${check.account} ready on both aggregators (the share is not mounted yet${check.plannedExport ? ': its planned export lets it write' : ''})`;
}
