/**
 * The preflight's families of checks that read beyond the agents' facts: a round trip of their own
 * (the adapters and what answers at each virtual IP, the shared hostname's DNS, the certificates,
 * the ports, the TLS databases, the SAML metadata files) or the runner's environment (the
 * passwords). Each reads its facts and leaves the decision to a pure rule; each returns problems
 * (or findings) and changes nothing.
 */
import { StepFailure } from '../../src/errors';
import { gatherFacts } from '../../src/frame/fact';
import { secretFromEnv } from '../../src/runner/credentials';
import type { RemoteHost } from '../../src/runner/remote-host';
import { certificateNames, peerCertificateThrough } from '../../src/runner/tunnel';
import type { PortCheck, PreflightAction } from './actions';
import { tlsDatabaseProblems, tlsDatabaseServers, serverNames, TlsServerView } from './database-tls';
import {
  ADAPTERS_FACT,
  Agent,
  AgentFacts,
  answersAtFact,
  ARR_FACT,
  pathExistsFact,
  readAdapters,
  readOpenPorts,
  resolutionFact,
  reverseFact,
  tlsHandshakeFact,
} from './facts';
import { adaptersInUse, databaseEntries } from './parse';
import { passwordSources } from './passwords';
import { applicableChecks, checkTarget, closedPortProblems } from './port-rules';
import {
  Findings,
  hostnameProblems,
  newBackupProblems,
  newPairMixFindings,
  PairFacts,
  virtualIpProblems,
} from './preflight-rules';
import type { AddressingConfig } from './props';
import { planRedirects, redirectProblems } from './redirects';
import { cubeInterfaceValues } from './runbook';
import { metadataFiles } from './saml';
import type { DataMinerVersion } from './versions';

interface Side {
  readonly host: RemoteHost;
  readonly role: 'primary' | 'backup';
}

type VirtualIpAddressing = Extract<AddressingConfig, { kind: 'virtual-ip' }>;

/**
 * A pair not configured yet: the backup is new (none of its addresses in the primary's DMS), the
 * DMS does not mix pairs by hostname and by virtual IP, and the virtual IPs fit both agents.
 */
export async function newPairFindings(
  action: PreflightAction,
  facts: PairFacts,
  declared: DataMinerVersion,
  primary: Agent,
  backup: Agent,
): Promise<Findings> {
  const backupAdapters = await readAdapters(backup.host);
  const mix = newPairMixFindings(facts[0], action.addressing, declared);
  const problems = [
    ...newBackupProblems(facts[1], [backup.address, ...backupAdapters.flatMap((a) => a.addresses)]),
    ...mix.problems,
  ];
  const notes = [...mix.notes];
  if (action.addressing.kind === 'virtual-ip') {
    const vips = action.addressing.virtualIps;
    const agents = await virtualIpViews(action.addressing, [primary, backup], facts);
    problems.push(...virtualIpProblems(vips, agents));
    notes.push(cubeInterfaceValues(vips, agents));
  }
  return { problems, notes };
}

/** One round trip per agent, side by side: its adapters in use, what answers at each VIP, Npcap. */
async function virtualIpViews(addressing: VirtualIpAddressing, agents: readonly Agent[], facts: PairFacts) {
  const vips = addressing.virtualIps;
  const capture = addressing.packetCaptureFiles;
  return Promise.all(
    agents.map(async (agent, side) => {
      const read = await gatherFacts(agent.host, {
        adapters: ADAPTERS_FACT,
        answers: vips.map(answersAtFact),
        capture: capture.map(pathExistsFact),
      });
      // The adapters in use: DataMiner.xml's <NetworkAdapters>, else the physical ones.
      const inUse = adaptersInUse(read.adapters, facts[side].dataMinerXml);
      return {
        label: agent.host.label,
        adapters: inUse.adapters,
        basis: inUse.basis,
        answers: vips.map((vip, i) => {
          const seen = read.answers[i];
          return { vip, ...(seen.answered ? { how: seen.how } : {}) };
        }),
        packetCapture: read.capture.some(Boolean),
        packetCaptureFiles: capture,
      };
    }),
  );
}

/** The shared hostname from both agents, one round trip each: its addresses, ARR, both reverse lookups. */
export async function sharedHostnameProblems(name: string, primary: Agent, backup: Agent): Promise<string[]> {
  const addresses = [primary.address, backup.address];
  const agents = await Promise.all(
    [primary, backup].map(async (agent) => {
      const read = await gatherFacts(agent.host, {
        resolved: resolutionFact(name),
        arr: ARR_FACT,
        reverse: addresses.map(reverseFact),
      });
      return {
        label: agent.host.label,
        ...(read.resolved ? { resolved: read.resolved } : {}),
        arr: read.arr,
        reverse: addresses.map((address, i) => ({ address, name: read.reverse[i] })),
      };
    }),
  );
  return hostnameProblems(name, addresses, agents);
}

/** The certificate each agent serves on 443 names every VIP (or the shared hostname). */
export async function certificateProblems(
  agents: readonly Agent[],
  names: readonly string[],
): Promise<string[]> {
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

/** Both agents' redirects to each other, when the primary uses DMS.xml redirects, and the password the backup's needs. */
export function redirectPreflight(
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

/** Dedicated clustered storage: each database's plain-text password has its variable, and it is set. */
export function databasePasswordProblems(action: PreflightAction, primaryDbXml: string): string[] {
  if (action.storage.type !== 'dedicated-clustered') return [];
  const sources = passwordSources(databaseEntries(primaryDbXml), action.storage);
  const problems = [...sources.problems];
  for (const env of new Set(sources.byPosition.values())) {
    try {
      secretFromEnv(env, "a database's plain-text password for the backup's DB.xml");
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return problems;
}

/**
 * Each TLS-enabled database of the primary's DB.xml (which the backup gets), from both agents side
 * by side, one round trip each: its name resolves, a handshake completes, its CA is in Local Machine
 * > Trusted Root Certification Authorities.
 */
export async function databaseTlsProblems(sides: readonly Side[], primaryDbXml: string): Promise<string[]> {
  const servers = tlsDatabaseServers(primaryDbXml);
  if (servers.length === 0) return [];
  const names = serverNames(servers);
  const agents = await Promise.all(
    sides.map(async ({ host, role }) => {
      const read = await gatherFacts(host, {
        resolved: names.map(resolutionFact),
        handshakes: servers.map(tlsHandshakeFact),
      });
      const resolved = new Map(names.map((name, i) => [name, read.resolved[i]] as const));
      const views: TlsServerView[] = servers.map((server, i) => {
        const addresses = resolved.get(server.host);
        return {
          server,
          ...(resolved.has(server.host)
            ? { resolved: addresses && addresses.length > 0 ? addresses : ('unresolved' as const) }
            : {}),
          handshake: read.handshakes[i],
        };
      });
      return { label: host.label, role, views };
    }),
  );
  return tlsDatabaseProblems(agents);
}

/** The SAML metadata files the primary's DataMiner.xml names are there to copy. */
export async function samlProblems(primary: RemoteHost, dataMinerXml: string | undefined): Promise<string[]> {
  if (dataMinerXml === undefined) return [];
  const { paths, unclear } = metadataFiles(dataMinerXml);
  const problems = unclear.map(
    (value) =>
      `${primary.label} (primary): DataMiner.xml names the SAML metadata "${value}", neither a full path nor a URL: name it by its full path (the construct copies it to the backup) or by URL`,
  );
  if (paths.length === 0) return problems;
  const { exists } = await gatherFacts(primary, { exists: paths.map(pathExistsFact) });
  paths.forEach((path, i) => {
    if (!exists[i])
      problems.push(
        `${primary.label} (primary): DataMiner.xml names the SAML metadata file ${path}, which is not there: the backup needs a copy of it`,
      );
  });
  return problems;
}
