/** The preflight's decisions: facts of both agents in, problems (or notes) out. Pure. */
import type { PreflightAction } from './actions';
import { priorityOrderProblems } from './backup-changes';
import { inInstallDir, NATS_REPAIR } from './commands';
import type { AddressingConfig } from './props';
import type { AgentFacts } from './facts';
import { DmsView, usesCloudStorage } from './parse';
import {
  DataMinerVersion,
  displayVersion,
  forbidsMixing,
  cuUnconfirmed,
  matchesDeclared,
  needsNatsRepair,
  parseDataMinerVersion,
  withDeclaredCu,
} from './versions';

/** What a family of checks found: problems refuse the preparation, notes only inform. */
export interface Findings {
  readonly problems: string[];
  readonly notes: string[];
}

/** Both agents, primary first, as their files and processes show them. */
export type PairFacts = readonly [AgentFacts, AgentFacts];

/** DataMiner installed and running: the SLDataMiner process, the ID, the version history, files that parse. */
export function installationProblems(role: string, f: AgentFacts, installDir: string): string[] {
  const problems = [...f.unreadable];
  if (!f.running)
    problems.push(
      `${f.label} (${role}): no SLDataMiner process runs; start DataMiner (SLTaskbarUtility.exe -start) before the preparation`,
    );
  if (f.dataMinerXml === undefined) problems.push(`${f.label} (${role}): no ${installDir}\\DataMiner.xml`);
  else if (f.id === undefined)
    problems.push(`${f.label} (${role}): DataMiner.xml has no numeric id on its root <DataMiner>`);
  if (f.version === undefined)
    problems.push(
      `${f.label} (${role}): no installed version in ${installDir}\\Upgrades\\VersionHistory.txt`,
    );
  return problems;
}

/** The two agents run exactly the same version, and it is the declared one. */
export function versionProblems(
  primary: AgentFacts,
  backup: AgentFacts,
  declared: DataMinerVersion,
): string[] {
  if (primary.version === undefined || backup.version === undefined) return [];
  const problems: string[] = [];
  if (primary.version !== backup.version)
    problems.push(
      `the agents run different versions: ${primary.label} (primary) ${primary.version}, ${backup.label} (backup) ${backup.version}; the backup must run exactly the primary's version, CU included (upgrade the one that is behind)`,
    );
  for (const f of [primary, backup]) {
    const installed = parseDataMinerVersion(f.version!);
    if (!installed)
      problems.push(
        `${f.label} runs "${f.version}", which is not a DataMiner version this construct can read`,
      );
    else if (!matchesDeclared(installed, declared))
      problems.push(
        `${f.label} runs ${f.version}, not the declared ${declared.text}: correct the declared version or upgrade the agent`,
      );
  }
  return problems;
}

/** Warnings about the versions: a declared CU that an agent's VersionHistory.txt line does not state. */
export function versionNotes(primary: AgentFacts, backup: AgentFacts, declared: DataMinerVersion): string[] {
  const notes: string[] = [];
  for (const f of [primary, backup]) {
    const installed = f.version === undefined ? undefined : parseDataMinerVersion(f.version);
    if (installed && cuUnconfirmed(installed, declared) && matchesDeclared(installed, declared))
      notes.push(
        `${f.label}: its VersionHistory.txt line ${f.version} names no cumulative update, so the declared CU${declared.cu} could not be confirmed (DataMiner does not document where the installed CU is recorded): check it in Cube (About DataMiner) on both agents`,
      );
  }
  return notes;
}

/**
 * NATSRepair.exe is run after the switch when the agents run 10.6.0/10.6.1 or later or were
 * migrated to BrokerGateway: say so, and where it is missing.
 */
export function natsRepairNotes(
  agents: readonly AgentFacts[],
  declared: DataMinerVersion,
  natsRepairPath: (agent: AgentFacts) => string,
): string[] {
  const migrated = agents.filter((f) => f.brokerGateway);
  if (!needsNatsRepair(declared) && migrated.length === 0) return [];
  const why = needsNatsRepair(declared)
    ? `${displayVersion(declared)} runs BrokerGateway`
    : `${migrated.map((f) => f.label).join(' and ')} ${migrated.length === 1 ? 'was' : 'were'} migrated to BrokerGateway`;
  return agents.map((f) =>
    f.natsRepair
      ? `${f.label}: ${why}, so NATSRepair (${natsRepairPath(f)}) is run once Failover is on (see the runbook)`
      : `${f.label}: ${why}, but ${natsRepairPath(f)} is missing (the 10.6.10 upgrade cleanup may have removed it): the runbook's NATS step needs it on the agent where it is run`,
  );
}

/**
 * Storage as a Service: the backup is registered as the primary is (DB.xml of type CloudStorage),
 * through "Adding a DMA to a DMS running STaaS" without its join (the join is what Failover does).
 */
export function storageAsAServiceProblems(agents: readonly { role: string; facts: AgentFacts }[]): string[] {
  return agents
    .filter(({ facts }) => facts.dbXml === undefined || !usesCloudStorage(facts.dbXml))
    .map(
      ({ role, facts }) =>
        `${facts.label} (${role}) is not registered for Storage as a Service: its DB.xml has no <DataBase type="CloudStorage">; go through "Adding a DMA to a DMS running STaaS" on it (the Cloud Pack, the CcaGatewayPersisted copy), without joining it to the DMS`,
    );
}

/** Is Failover already configured for this pair (both DMS.xml name it)? Then the backup is no longer "new". */
export function failoverConfigured(dms: DmsView | undefined, addressing: AddressingConfig): boolean {
  return (dms?.failovers ?? []).some((f) =>
    addressing.kind === 'hostname'
      ? (f.type ?? '').toLowerCase() === 'hostname' &&
        (f.hostname ?? '').toLowerCase() === addressing.sharedHostname.toLowerCase()
      : (f.type ?? '').toLowerCase() === 'virtualip' &&
        addressing.virtualIps.every((vip) => f.text.includes(vip)),
  );
}

/** The backup is newly installed: standalone (its DMS.xml lists only itself), no elements. */
export function newBackupProblems(backup: AgentFacts, backupAddresses: readonly string[]): string[] {
  const problems: string[] = [];
  const others = (backup.dms?.agents ?? []).filter((a) => !backupAddresses.includes(a.ip));
  if (others.length > 0)
    problems.push(
      `${backup.label} (backup) is in a DMS cluster${backup.dms?.clusterName ? ` "${backup.dms.clusterName}"` : ''} with ${others.map((a) => `${a.ip}${a.id !== undefined ? ` (ID ${a.id})` : ''}`).join(', ')}: the backup must be a newly installed agent, not a member of any DMS cluster`,
    );
  const elements = backup.elements ?? [];
  if (elements.length > 0)
    problems.push(
      `${backup.label} (backup) hosts ${elements.length} element${elements.length === 1 ? '' : 's'} (${elements.slice(0, 5).join(', ')}${elements.length > 5 ? ', …' : ''}): the backup must be newly installed, with nothing in use`,
    );
  return problems;
}

/**
 * The no-mix rule on what the primary's DMS.xml really holds: pairs by hostname or by virtual IP,
 * agents added by hostname. A problem from 10.2.0 [CU21]/10.3.0 [CU9]/10.3.12, a note before.
 */
export function existingMixFindings(
  dms: DmsView | undefined,
  addressing: AddressingConfig,
  installed: DataMinerVersion | undefined,
): { problems: string[]; notes: string[] } {
  const byHostname = [
    ...(dms?.failovers ?? [])
      .filter((f) => (f.type ?? '').toLowerCase() === 'hostname')
      .map((f) => `a Failover pair by hostname ${f.hostname ?? ''}`.trim()),
    ...(dms?.agents ?? []).filter((a) => a.byHostname).map((a) => `the agent added by hostname ${a.ip}`),
  ];
  const byVip = (dms?.failovers ?? [])
    .filter((f) => (f.type ?? '').toLowerCase() === 'virtualip')
    .map(() => 'a Failover pair by virtual IP');
  const conflicting = addressing.kind === 'virtual-ip' ? byHostname : byVip;
  if (conflicting.length === 0) return { problems: [], notes: [] };
  const gate = installed ? forbidsMixing(installed) : { applies: true };
  const message = `the primary's DMS.xml already holds ${[...new Set(conflicting)].join(', ')}; this pair is by ${addressing.kind === 'virtual-ip' ? 'virtual IP' : 'shared hostname'}`;
  return gate.applies
    ? {
        problems: [
          `${message}: from 10.2.0 [CU21]/10.3.0 [CU9]/10.3.12 a DMS may not mix the two${installed ? ` (the agents run ${displayVersion(installed)})` : ''}; configure this pair the same way as the others`,
        ],
        notes: [],
      }
    : { problems: [], notes: [`${message}: avoid mixing the two in one DMS`] };
}

/** One virtual IP per adapter in use on each agent, and nothing answering on any of them. */
export function virtualIpProblems(
  vips: readonly string[],
  agents: readonly {
    label: string;
    adapters: readonly { name: string }[];
    /** Which adapters count as in use, and why (adaptersInUse). */
    basis: string;
    answers: readonly { vip: string; how?: string }[];
    /** Npcap (or WinPcap) found: one of packetCaptureFiles exists. */
    packetCapture: boolean;
    packetCaptureFiles: readonly string[];
  }[],
): string[] {
  const problems: string[] = [];
  for (const agent of agents) {
    if (agent.adapters.length !== vips.length)
      problems.push(
        `${agent.label} has ${agent.adapters.length} network adapter${agent.adapters.length === 1 ? '' : 's'} in use (${agent.adapters.map((a) => a.name).join(', ') || 'none'}; from ${agent.basis}) but ${vips.length} virtual IP${vips.length === 1 ? ' is' : 's are'} given: one per adapter in use, corporate first, then acquisition`,
      );
    if (!agent.packetCapture)
      problems.push(
        `${agent.label} has no Npcap (or WinPcap): none of ${agent.packetCaptureFiles.join(', ')} exists; a virtual IP pair needs it on both agents: install Npcap (or set packetCaptureFiles to where it is)`,
      );
    for (const answer of agent.answers)
      if (answer.how)
        problems.push(
          `${answer.vip} answers (${answer.how}) seen from ${agent.label}: a virtual IP must be unused anywhere else before Failover is set up`,
        );
  }
  return problems;
}

/**
 * The shared hostname resolves, from both agents, to exactly the two agents' primary IPs, and each
 * primary IP resolves back (a reverse lookup); ARR on both.
 */
export function hostnameProblems(
  name: string,
  agentAddresses: readonly string[],
  agents: readonly {
    label: string;
    resolved?: readonly string[];
    arr: boolean;
    reverse: readonly { address: string; name?: string }[];
  }[],
): string[] {
  const problems: string[] = [];
  const wanted = [...agentAddresses].sort();
  for (const agent of agents) {
    if (agent.resolved === undefined)
      problems.push(
        `${name} does not resolve from ${agent.label}: create its DNS record with both agents' primary IPs (${wanted.join(', ')})`,
      );
    else {
      const got = [...new Set(agent.resolved)].sort();
      if (got.join(',') !== wanted.join(','))
        problems.push(
          `${name} resolves to ${got.join(', ') || 'nothing'} from ${agent.label}; it must resolve to exactly both agents' primary IPs (${wanted.join(', ')})`,
        );
    }
    for (const back of agent.reverse.filter((r) => r.name === undefined))
      problems.push(
        `${back.address} does not resolve back to a name from ${agent.label}: a shared-hostname pair needs the reverse lookup of both agents' primary IPs; create their PTR records`,
      );
    if (!agent.arr)
      problems.push(
        `${agent.label} lacks IIS Application Request Routing, which a shared-hostname pair needs on both agents: install it`,
      );
  }
  return problems;
}

/**
 * What the agents' own files show: each installation, the versions against the declared one, the
 * backup's database order, storage as a service; the version and NATSRepair.exe notes.
 */
export function agentFileFindings(
  action: Pick<PreflightAction, 'primary' | 'backup' | 'storage'>,
  facts: PairFacts,
  declared: DataMinerVersion,
): Findings {
  const [primary, backup] = facts;
  return {
    problems: [
      ...installationProblems('primary', primary, action.primary.installDir),
      ...installationProblems('backup', backup, action.backup.installDir),
      ...versionProblems(primary, backup, declared),
      ...(primary.dbXml ? priorityOrderProblems(primary.dbXml, action.storage) : []),
      ...(action.storage.type === 'storage-as-a-service'
        ? storageAsAServiceProblems([
            { role: 'primary', facts: primary },
            { role: 'backup', facts: backup },
          ])
        : []),
    ],
    notes: [
      ...versionNotes(primary, backup, declared),
      ...natsRepairNotes(facts, declared, (f) =>
        inInstallDir((f === primary ? action.primary : action.backup).installDir, NATS_REPAIR),
      ),
    ],
  };
}

/** Both agents' DMS.xml already hold this Failover: the pair is configured (a re-run). */
export function pairConfigured(facts: PairFacts, addressing: AddressingConfig): boolean {
  return facts.every((f) => failoverConfigured(f.dms, addressing));
}

/** The no-mix rule for a new pair, gated on the primary's installed version read with the declared CU. */
export function newPairMixFindings(
  primary: AgentFacts,
  addressing: AddressingConfig,
  declared: DataMinerVersion,
): Findings {
  // The gates read the declared CU where the installed line states none.
  const installed = primary.version ? parseDataMinerVersion(primary.version) : undefined;
  return existingMixFindings(
    primary.dms,
    addressing,
    installed ? withDeclaredCu(installed, declared) : undefined,
  );
}

/** The backup's licence, which Failover needs before it is switched on: a note, not a refusal. */
export function licenceNotes(backup: AgentFacts, installDir: string): string[] {
  return backup.licence
    ? []
    : [
        `${backup.label} has no licence file (dataminer.lic or response.lic) in ${installDir}: send its Request.lic to Skyline and place the licence there before switching Failover on`,
      ];
}

/** The preflight's report when nothing refuses the preparation. */
export function preflightDetail(configured: boolean, notes: readonly string[]): string {
  return [configured ? 'Failover already configured for this pair' : 'both agents ready', ...notes].join(
    '; ',
  );
}
