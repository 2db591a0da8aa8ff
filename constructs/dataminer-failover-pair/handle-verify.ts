/** Both agents re-read after the preparation: they must agree. Changes nothing. */
import { problemList, StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import { HOLDS_VIRTUAL_IPS } from '../../src/summary/topology';
import type { FailoverEnabledAction, VerifyAction, WebServicesCredentials } from './actions';
import { agentsInfoProblems, DmaInfo, readAgentsInfo } from './agents-info';
import { Agent, AgentFacts, readAdapters, readAgentFacts } from './facts';
import { planRedirects } from './redirects';
import { connectAgents } from './handle-preflight';
import { agentPortProblems } from './preflight-checks';
import { databasesForComparison } from './parse';
import { failoverConfigured } from './preflight-rules';

/** Databases compared without `<PWD>` (encrypted per agent) and, when the backup has its own, without priorityOrder. */
const comparable = (xml: string, withoutPriority: boolean) =>
  databasesForComparison(xml).map((d) =>
    withoutPriority ? d.replace(/\["priorityOrder","\d+"\],?/g, '') : d,
  );

// Not an operation: it changes nothing, it only compares both agents' facts (gathered by the frame).
export const verify: ActionHandler<VerifyAction> = async (action, context) => {
  const { primary, backup } = await connectAgents(action, context);
  // Side by side: each agent answers its own batch.
  const [p, b] = await Promise.all([
    readAgentFacts(primary.host, action.primary),
    readAgentFacts(backup.host, action.backup),
  ]);
  const problems: string[] = [];
  if (p.id === undefined || p.id !== b.id)
    problems.push(
      `the DataMiner IDs differ: ${p.label} (primary) ${p.id ?? 'unreadable'}, ${b.label} (backup) ${b.id ?? 'unreadable'}`,
    );
  if (p.version === undefined || p.version !== b.version)
    problems.push(
      `the versions differ: ${p.label} (primary) ${p.version ?? 'unreadable'}, ${b.label} (backup) ${b.version ?? 'unreadable'}`,
    );
  if (!b.running) problems.push(`DataMiner does not run on ${b.label} (backup): no SLDataMiner process`);
  if (action.storage.type === 'dedicated-clustered') {
    const own = Object.keys(action.storage.backupPriorityOrder).length > 0;
    if (!p.dbXml || !b.dbXml || comparable(p.dbXml, own).join('\n') !== comparable(b.dbXml, own).join('\n'))
      problems.push(`the backup's DB.xml databases differ from the primary's (the encrypted password aside)`);
  }
  if (planRedirects(p.dmsXml, b.dmsXml, primary.address, backup.address).backupMissing)
    problems.push(
      `the backup's DMS.xml has no redirect to the primary (${primary.address}), as the primary's redirects need`,
    );
  problems.push(
    ...(await agentPortProblems(primary, backup, action.ports, p.brokerGateway || b.brokerGateway)),
  );
  if (problems.length > 0) throw new StepFailure(problemList('the pair is not prepared alike:', problems));
  return { changed: false, detail: `both agents: DataMiner ID ${p.id}, ${p.version}; ports open` };
};

/** GetDataMinerAgentsInfo from the first agent whose Web Services answer (the online one may be either). */
async function agentsInfoFromEither(
  agents: readonly Agent[],
  facts: readonly AgentFacts[],
  credentials: WebServicesCredentials,
): Promise<{ entries: DmaInfo[]; from: string } | { failures: string[] }> {
  const failures: string[] = [];
  for (const [i, agent] of agents.entries()) {
    try {
      return {
        entries: await readAgentsInfo(agent.host, agent.address, facts[i].https.enabled, credentials),
        from: agent.host.label,
      };
    } catch (error) {
      if (!(error instanceof StepFailure)) throw error;
      failures.push(error.message);
    }
  }
  return { failures };
}

// Not an operation: it changes nothing (Failover is switched on in Cube) and asks Web Services over HTTP, not a fact.
export const failoverEnabled: ActionHandler<FailoverEnabledAction> = async (action, context) => {
  const { primary, backup } = await connectAgents(action, context);
  const problems: string[] = [];
  const sides = [
    [primary, action.primary],
    [backup, action.backup],
  ] as const;
  const read = await Promise.all(sides.map(([agent, ref]) => readAgentFacts(agent.host, ref)));
  for (const [i, [agent, ref]] of sides.entries()) {
    if (!failoverConfigured(read[i].dms, action.addressing))
      problems.push(
        `${agent.host.label} (${ref.role}): DMS.xml has no <Failover> of type ${action.addressing.kind === 'hostname' ? `HostName naming ${action.addressing.sharedHostname}` : `VirtualIP naming ${action.addressing.virtualIps.join(', ')}`}: switch Failover on in Cube (System Center > Agents > Failover) with the values of the runbook`,
      );
  }
  const hostStates: Record<string, string> = {};
  if (action.addressing.kind === 'virtual-ip') {
    const vips = action.addressing.virtualIps;
    const holders = [];
    const adapters = await Promise.all([primary, backup].map((agent) => readAdapters(agent.host)));
    for (const [i, agent] of [primary, backup].entries()) {
      const addresses = adapters[i].flatMap((a) => a.addresses);
      const held = vips.filter((vip) => addresses.includes(vip));
      hostStates[agent.host.label] =
        held.length === vips.length
          ? HOLDS_VIRTUAL_IPS
          : held.length === 0
            ? 'does not hold the virtual IPs'
            : `holds only ${held.join(', ')} of the virtual IPs`;
      if (held.length === vips.length) holders.push(agent.host.label);
      else if (held.length > 0)
        problems.push(`${agent.host.label} holds only some of the virtual IPs (${held.join(', ')})`);
    }
    if (holders.length !== 1)
      problems.push(
        holders.length === 0
          ? `no agent holds the virtual IPs ${vips.join(', ')}: the online agent takes them`
          : `both agents hold the virtual IPs ${vips.join(', ')}: exactly one agent is online`,
      );
  }
  let detail = 'both DMS.xml name this Failover; exactly one agent online';
  if (action.webServices) {
    const seen = await agentsInfoFromEither([primary, backup], read, action.webServices);
    if ('failures' in seen)
      problems.push(`GetDataMinerAgentsInfo could not be read: ${seen.failures.join('; ')}`);
    else {
      const vips = action.addressing.kind === 'virtual-ip' ? action.addressing.virtualIps : [];
      problems.push(
        ...agentsInfoProblems(
          seen.entries,
          [primary, backup].map((a) => ({ label: a.host.label, address: a.address })),
          vips,
        ),
      );
      detail += `; GetDataMinerAgentsInfo (read on ${seen.from}): one agent Running, both IsFailOver`;
    }
  }
  if (problems.length > 0) throw new StepFailure(problemList('Failover is not on as prepared:', problems));
  return { changed: false, detail, ...(Object.keys(hostStates).length > 0 ? { hostStates } : {}) };
};
