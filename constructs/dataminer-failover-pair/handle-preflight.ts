/**
 * The preflight: both agents, every prerequisite of "Preparing the two DataMiner Agents", every
 * problem at once, nothing changed on either agent. Each family of checks reads what it needs
 * (preflight-checks.ts) and decides with pure rules (preflight-rules.ts).
 */
import { problemList, StepFailure } from '../../src/errors';
import type { ActionContext, ActionHandler } from '../../src/runner/action-handler';
import { isIpv4 } from '../../src/schema/common';
import { cassandraPreflightProblems } from '../cassandra-two-node';
import type { AgentRef, PreflightAction } from './actions';
import { Agent, readAdapters, readAgentFacts } from './facts';
import {
  agentPortProblems,
  certificateProblems,
  databasePasswordProblems,
  databaseTlsProblems,
  newPairFindings,
  redirectPreflight,
  samlProblems,
  sharedHostnameProblems,
} from './preflight-checks';
import {
  agentFileFindings,
  licenceNotes,
  PairFacts,
  pairConfigured,
  preflightDetail,
} from './preflight-rules';
import { parseDataMinerVersion } from './versions';

/** An agent's primary IP: its SSH address when that is an IPv4 address, else its first adapter's. */
export async function primaryAddress(agent: Agent['host'], ref: AgentRef): Promise<string> {
  if (isIpv4(ref.host.address)) return ref.host.address;
  const adapters = await readAdapters(agent);
  return adapters[0]?.addresses[0] ?? ref.host.address;
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

/**
 * What the pair needs between and around its agents, in the order it is reported: the shared
 * hostname, the certificates, the ports, the redirects, SAML, the TLS databases, Cassandra, the
 * database passwords.
 */
async function pairProblems(
  action: PreflightAction,
  facts: PairFacts,
  primary: Agent,
  backup: Agent,
  context: ActionContext,
): Promise<string[]> {
  const { addressing, storage } = action;
  const problems: string[] = [];
  if (addressing.kind === 'hostname')
    problems.push(...(await sharedHostnameProblems(addressing.sharedHostname, primary, backup)));
  if (facts[0].https.enabled)
    problems.push(
      ...(await certificateProblems(
        [primary, backup],
        addressing.kind === 'hostname' ? [addressing.sharedHostname] : addressing.virtualIps,
      )),
    );
  const brokerGateway = facts.some((f) => f.brokerGateway);
  problems.push(...(await agentPortProblems(primary, backup, action.ports, brokerGateway)));
  problems.push(...redirectPreflight(action, facts, primary, backup));
  problems.push(...(await samlProblems(primary.host, facts[0].dataMinerXml)));
  const dbXml = storage.type === 'dedicated-clustered' ? facts[0].dbXml : undefined;
  if (dbXml !== undefined)
    problems.push(
      ...(await databaseTlsProblems(
        [
          { host: primary.host, role: 'primary' },
          { host: backup.host, role: 'backup' },
        ],
        dbXml,
      )),
    );
  if (action.cassandra)
    problems.push(...(await cassandraPreflightProblems(action.cassandra, context)).problems);
  if (dbXml !== undefined) problems.push(...databasePasswordProblems(action, dbXml));
  return problems;
}

// Not an operation: it changes nothing; certificates are read over a TLS tunnel, not as facts.
export const preflight: ActionHandler<PreflightAction> = async (action, context) => {
  const { primary, backup } = await connectAgents(action, context);
  // The two agents are read side by side: each answers one command at a time.
  const facts: PairFacts = await Promise.all([
    readAgentFacts(primary.host, action.primary),
    readAgentFacts(backup.host, action.backup),
  ]);
  const declared = parseDataMinerVersion(action.version)!;
  const { problems, notes } = agentFileFindings(action, facts, declared);
  const configured = pairConfigured(facts, action.addressing);
  if (!configured) {
    const found = await newPairFindings(action, facts, declared, primary, backup);
    problems.push(...found.problems);
    notes.push(...found.notes);
  }
  problems.push(...(await pairProblems(action, facts, primary, backup, context)));
  if (problems.length > 0)
    throw new StepFailure(
      problemList(
        'the DataMiner agents cannot be prepared for Failover yet; nothing was changed on either agent:',
        problems,
      ),
    );
  return {
    changed: false,
    detail: preflightDetail(configured, [...notes, ...licenceNotes(facts[1], action.backup.installDir)]),
  };
};
