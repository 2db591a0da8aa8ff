/**
 * The preflight: both agents, every prerequisite of "Preparing the two DataMiner Agents", every
 * problem at once, nothing changed on either agent.
 */
import { problemList, StepFailure } from '../../src/errors';
import type { ActionContext, ActionHandler } from '../../src/runner/action-handler';
import { secretFromEnv } from '../../src/runner/credentials';
import { certificateNames, peerCertificateThrough } from '../../src/runner/tunnel';
import { isIpv4 } from '../../src/schema/common';
import { cassandraPreflightProblems } from '../cassandra-two-node';
import type { AgentRef, PortCheck, PreflightAction } from './actions';
import { Agent, AgentFacts, factCalls, readAdapters, readAgentFacts, readOpenPorts } from './facts';
import { priorityOrderProblems } from './backup-changes';
import { PATH_EXISTS_PS } from '../../src/dialect/windows-primitives';
import { inInstallDir, NATS_REPAIR } from './commands';
import { adaptersInUse, databaseEntries } from './parse';
import { passwordSources } from './passwords';
import { databaseTlsProblems, samlProblems } from './preflight-checks';
import { planRedirects, redirectProblems } from './redirects';
import { cubeInterfaceValues } from './runbook';
import { applicableChecks, checkTarget, closedPortProblems } from './port-rules';
import {
  existingMixFindings,
  failoverConfigured,
  hostnameProblems,
  installationProblems,
  newBackupProblems,
  natsRepairNotes,
  storageAsAServiceProblems,
  versionNotes,
  versionProblems,
  virtualIpProblems,
} from './preflight-rules';
import { parseDataMinerVersion, withDeclaredCu } from './versions';

/** An agent's primary IP: its SSH address when that is an IPv4 address, else its first adapter's. */
export async function primaryAddress(agent: Agent['host'], ref: AgentRef): Promise<string> {
  if (isIpv4(ref.host.address)) return ref.host.address;
  const adapters = await readAdapters(agent);
  return adapters[0]?.addresses[0] ?? ref.host.address;
}

/** The certificate each agent serves on 443 names every VIP (or the shared hostname). */
async function certificateProblems(agents: readonly Agent[], names: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const agent of agents) {
    for (const name of names) {
      try {
        const cert = await peerCertificateThrough(agent.host, agent.address, 443, name);
        if (!certificateNames(cert, name))
          problems.push(
            `${agent.host.label} serves HTTPS with a certificate (${cert.subject}) whose Subject Alternative Names (${[...cert.dnsNames, ...cert.ipAddresses].join(', ') || 'none'}) do not name ${name}: with HTTPS the virtual IPs or the shared hostname need signed certificates on both agents`,
          );
      } catch (error) {
        if (!(error instanceof StepFailure)) throw error;
        problems.push(error.message);
      }
    }
  }
  return problems;
}

export async function connectAgents(action: { primary: AgentRef; backup: AgentRef }, context: ActionContext) {
  const [p, b] = await Promise.all([
    context.connect(action.primary.host),
    context.connect(action.backup.host),
  ]);
  const primary: Agent = { host: p, address: await primaryAddress(p, action.primary) };
  const backup: Agent = { host: b, address: await primaryAddress(b, action.backup) };
  return { primary, backup };
}

/** Every closed path between the agents (and to the storage), probed from both sides at once. */
export async function agentPortProblems(
  primary: Agent,
  backup: Agent,
  checks: readonly PortCheck[],
  brokerGateway: boolean,
): Promise<string[]> {
  const wanted = applicableChecks(checks, brokerGateway);
  const sides: [Agent, Agent][] = [
    [primary, backup],
    [backup, primary],
  ];
  const results = await Promise.all(
    sides.map(async ([from, peer]) => {
      const open = await readOpenPorts(
        from.host,
        wanted.map((check) => ({ address: checkTarget(check, peer.address), anyOf: check.anyOf })),
      );
      return closedPortProblems(from.host, { label: peer.host.label, address: peer.address }, wanted, open);
    }),
  );
  return results.flat();
}

/** Both agents' redirects to each other, when the primary uses DMS.xml redirects. */
function redirectPreflight(
  action: PreflightAction,
  facts: readonly [AgentFacts, AgentFacts],
  primary: Agent,
  backup: Agent,
): string[] {
  const plan = planRedirects(facts[0].dmsXml, facts[1].dmsXml, primary.address, backup.address);
  const problems = redirectProblems(
    plan,
    { primary: primary.host.label, backup: backup.host.label },
    action.redirectPasswordEnv,
  );
  if (plan.backupMissing?.user && action.redirectPasswordEnv)
    try {
      secretFromEnv(action.redirectPasswordEnv, "the password of the backup's redirect to the primary");
    } catch (error) {
      problems.push((error as Error).message);
    }
  return problems;
}

export const preflight: ActionHandler<PreflightAction> = async (action, context) => {
  const { primary, backup } = await connectAgents(action, context);
  // The two agents are read side by side: each answers one command at a time.
  const facts: [AgentFacts, AgentFacts] = await Promise.all([
    readAgentFacts(primary.host, action.primary),
    readAgentFacts(backup.host, action.backup),
  ]);
  const declared = parseDataMinerVersion(action.version)!;
  const problems = [
    ...installationProblems('primary', facts[0], action.primary.installDir),
    ...installationProblems('backup', facts[1], action.backup.installDir),
    ...versionProblems(facts[0], facts[1], declared),
    ...(facts[0].dbXml ? priorityOrderProblems(facts[0].dbXml, action.storage) : []),
    ...(action.storage.type === 'storage-as-a-service'
      ? storageAsAServiceProblems([
          { role: 'primary', facts: facts[0] },
          { role: 'backup', facts: facts[1] },
        ])
      : []),
  ];
  const notes: string[] = [
    ...versionNotes(facts[0], facts[1], declared),
    ...natsRepairNotes(facts, declared, (f) =>
      inInstallDir((f === facts[0] ? action.primary : action.backup).installDir, NATS_REPAIR),
    ),
  ];
  const configured =
    failoverConfigured(facts[0].dms, action.addressing) &&
    failoverConfigured(facts[1].dms, action.addressing);
  if (!configured) {
    const backupAdapters = await readAdapters(backup.host);
    problems.push(
      ...newBackupProblems(facts[1], [backup.address, ...backupAdapters.flatMap((a) => a.addresses)]),
    );
    // The gates read the declared CU where the installed line states none.
    const installed = facts[0].version ? parseDataMinerVersion(facts[0].version) : undefined;
    const mix = existingMixFindings(
      facts[0].dms,
      action.addressing,
      installed ? withDeclaredCu(installed, declared) : undefined,
    );
    problems.push(...mix.problems);
    notes.push(...mix.notes);
    if (action.addressing.kind === 'virtual-ip') {
      const vips = action.addressing.virtualIps;
      // One round trip per agent, side by side: its adapters and what answers at each VIP.
      const agents = await Promise.all(
        [primary, backup].map(async (agent, side) => {
          const capture = action.addressing.kind === 'virtual-ip' ? action.addressing.packetCaptureFiles : [];
          const [adapterResult, ...rest] = await agent.host.batch([
            factCalls.adapters.call(),
            ...vips.map((vip) => factCalls.answersAt.call(vip)),
            ...capture.map((path) => ({ command: { powershell: PATH_EXISTS_PS, vars: { path } } })),
          ]);
          const answerResults = rest.slice(0, vips.length);
          const packetCapture = rest.slice(vips.length).some((r) => r.code === 0);
          const answers = vips.map((vip, i) => {
            const seen = factCalls.answersAt.read(agent.host, answerResults[i], vip);
            return { vip, ...(seen.answered ? { how: seen.how } : {}) };
          });
          // The adapters in use: DataMiner.xml's <NetworkAdapters>, else the physical ones.
          const inUse = adaptersInUse(
            factCalls.adapters.read(agent.host, adapterResult),
            facts[side].dataMinerXml,
          );
          return {
            label: agent.host.label,
            adapters: inUse.adapters,
            basis: inUse.basis,
            answers,
            packetCapture,
            packetCaptureFiles: capture,
          };
        }),
      );
      problems.push(...virtualIpProblems(vips, agents));
      notes.push(cubeInterfaceValues(vips, agents));
    }
  }
  if (action.addressing.kind === 'hostname') {
    const name = action.addressing.sharedHostname;
    const addresses = [primary.address, backup.address];
    const agents = await Promise.all(
      [primary, backup].map(async (agent) => {
        const [resolution, arr, ...reverse] = await agent.host.batch([
          factCalls.resolution.call(name),
          factCalls.arr.call(),
          ...addresses.map((address) => factCalls.reverse.call(address)),
        ]);
        const resolved = factCalls.resolution.read(agent.host, resolution, name);
        return {
          label: agent.host.label,
          ...(resolved ? { resolved } : {}),
          arr: factCalls.arr.read(arr),
          reverse: addresses.map((address, i) => ({
            address,
            name: factCalls.reverse.read(agent.host, reverse[i], address),
          })),
        };
      }),
    );
    problems.push(...hostnameProblems(name, [primary.address, backup.address], agents));
  }
  if (facts[0].https.enabled) {
    const names =
      action.addressing.kind === 'hostname'
        ? [action.addressing.sharedHostname]
        : action.addressing.virtualIps;
    problems.push(...(await certificateProblems([primary, backup], names)));
  }
  problems.push(
    ...(await agentPortProblems(
      primary,
      backup,
      action.ports,
      facts.some((f) => f.brokerGateway),
    )),
  );
  problems.push(...redirectPreflight(action, facts, primary, backup));
  problems.push(...(await samlProblems(primary.host, facts[0].dataMinerXml)));
  if (action.storage.type === 'dedicated-clustered' && facts[0].dbXml !== undefined)
    problems.push(
      ...(await databaseTlsProblems(
        [
          { host: primary.host, role: 'primary' },
          { host: backup.host, role: 'backup' },
        ],
        facts[0].dbXml,
      )),
    );
  if (action.cassandra)
    problems.push(...(await cassandraPreflightProblems(action.cassandra, context)).problems);
  if (action.storage.type === 'dedicated-clustered' && facts[0].dbXml !== undefined) {
    const sources = passwordSources(databaseEntries(facts[0].dbXml), action.storage);
    problems.push(...sources.problems);
    for (const env of new Set(sources.byPosition.values())) {
      try {
        secretFromEnv(env, "a database's plain-text password for the backup's DB.xml");
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
  }
  if (problems.length > 0)
    throw new StepFailure(
      problemList(
        'the DataMiner agents cannot be prepared for Failover yet; nothing was changed on either agent:',
        problems,
      ),
    );
  if (!facts[1].licence)
    notes.push(
      `${backup.host.label} has no licence file (dataminer.lic or response.lic) in ${action.backup.installDir}: send its Request.lic to Skyline and place the licence there before switching Failover on`,
    );
  return {
    changed: false,
    detail: [configured ? 'Failover already configured for this pair' : 'both agents ready', ...notes].join(
      '; ',
    ),
  };
};
