/**
 * The hand-over: what the operator enters in DataMiner Cube to switch Failover on, in order, with
 * this pair's values. There is no documented file or command-line way to switch it on, so the
 * construct stops at "prepared and verified". Pure.
 */
import { hostLabel } from '../../src/schema/host';
import { inInstallDir, NATS_REPAIR } from './commands';
import type { DataMinerFailoverPairConfig } from './props';
import { displayVersion, needsNatsRepair } from './versions';

const STORAGE_NOTES: Record<string, string> = {
  'legacy-sql':
    'Storage: MySQL/MSSQL (legacy). DataMiner synchronizes the configuration and data itself; after switching Failover on, check the synchronization state (Synchronizing the DMA databases).',
  'cassandra-per-agent':
    'Storage: one Cassandra per agent. DataMiner joins the two Cassandra nodes into one cluster itself when Failover is switched on.',
  'dedicated-clustered':
    "Storage: dedicated clustered storage. The backup's DB.xml now holds the primary's databases with the plain-text password, which DataMiner encrypted at its start.",
  'storage-as-a-service':
    'Storage: Storage as a Service. The preflight found both agents registered (DB.xml of type CloudStorage); that the backup also has the primary\'s CcaGatewayPersisted copy, as "Adding a DMA to a DMS running STaaS" asks, is not checked: confirm it on the backup.',
};

export function renderRunbook(config: DataMinerFailoverPairConfig, constructPath: string): string {
  const primary = hostLabel(config.primary.host);
  const backup = hostLabel(config.backup.host);
  const v = config.version;
  const lines = [
    `# Switching Failover on: ${primary} (primary) and ${backup} (backup)`,
    '',
    `Prepared and verified by \`${constructPath}\` (DataMiner ${displayVersion(v)}): the backup has the primary's DataMiner ID and version${config.storage.type === 'dedicated-clustered' ? ' and database configuration' : ''}, and the ports between the agents are open.`,
    '',
    '## Before you start',
    '',
    '- Swarming must not be enabled on either agent. The construct cannot read that setting (the documentation names no file for it): check it in Cube on both agents.',
    "- SAML: if the agents use external authentication, the backup step copied the primary's configuration and metadata files; the identity provider's reply URLs must use the virtual IP (or the shared hostname).",
    "- DMS.xml redirects: if the primary uses them, the backup got a redirect to the primary; add the backup's redirects to any other agent yourself (SLNetClientTest tool), as their passwords only decrypt on the agent that wrote them.",
    '',
    '## In DataMiner Cube, connected to the primary',
    '',
    '1. Open **System Center > Agents**, select the primary agent and choose **Failover**.',
    `2. Primary agent: **${primary}** (${config.primary.host.address}). Backup agent: **${backup}** (${config.backup.host.address}).`,
  ];
  if (config.addressing.kind === 'virtual-ip') {
    const [corporate, acquisition] = config.addressing.virtualIps;
    lines.push(
      "3. Choose **virtual IP addresses** and enter them in network-interface order (the preflight's result lists, per interface, the virtual IP and each agent's own IP there: `Cube values: …`):",
      `   - first interface (corporate: heartbeats, synchronization): **${corporate}**`,
      ...(acquisition ? [`   - second interface (acquisition): **${acquisition}**`] : []),
    );
  } else {
    lines.push(
      `3. Choose **shared hostname** and enter **${config.addressing.sharedHostname}** (it resolves to ${config.primary.host.address} and ${config.backup.host.address}). IIS Application Request Routing is installed on both agents.`,
    );
  }
  lines.push(
    '4. Configure the four recommended heartbeats:',
    `   - ${primary} → ${backup}`,
    `   - ${backup} → ${primary}`,
    `   - ${primary} → an independent IP such as a domain controller (inverted)`,
    `   - ${backup} → the same independent IP (inverted)`,
    '5. Apply. Both agents restart; the backup goes offline and the primary goes online.',
  );
  const natsRepair = inInstallDir(config.primary.installDir, NATS_REPAIR);
  lines.push(
    needsNatsRepair(v)
      ? `6. NATS: on ${displayVersion(v)} the agents run BrokerGateway, so run \`${natsRepair}\` on one agent, elevated.`
      : `6. NATS: only if the agents were migrated to BrokerGateway (\`MaintenanceSettings.xml\` has \`<SLNet><BrokerGateway>true</BrokerGateway></SLNet>\`; the preflight says so), run \`${natsRepair}\` on one agent, elevated.`,
    "   - It lists the agents' IP addresses and asks y/n: answer only once the list holds both agents of this pair; never script its prompt.",
    '   - It refuses when NATS is configured manually.',
    '   - The 10.6.10 upgrade cleanup may remove it: the preflight reports whether it exists on each agent.',
  );
  lines.push(
    '',
    '## Then',
    '',
    `- ${STORAGE_NOTES[config.storage.type]}`,
    `- Set \`expectFailoverEnabled: true\` on \`${constructPath}\` and deploy: it verifies that both DMS.xml name this Failover and that exactly one agent is online${config.addressing.kind === 'virtual-ip' ? ' holding the virtual IPs' : ''}.`,
    `- Logs: \`${inInstallDir(config.primary.installDir, 'Logging\\SLFailover.txt')}\` and \`FailoverStatus.txt\`.`,
    '',
  );
  return lines.join('\n');
}

/**
 * What Cube asks per network interface, in order, with this pair's values as the preflight read
 * them: the virtual IP, then each agent's own IP on that interface (the first is corporate:
 * heartbeats and synchronization; the second acquisition).
 */
export function cubeInterfaceValues(
  vips: readonly string[],
  agents: readonly { label: string; adapters: readonly { name: string; addresses: readonly string[] }[] }[],
): string {
  const roles = ['corporate', 'acquisition'];
  const rows = vips.map((vip, i) => {
    const own = agents.map((a) => {
      const adapter = a.adapters[i];
      return `${a.label} ${adapter ? `${adapter.addresses[0]} (${adapter.name})` : 'no adapter'}`;
    });
    return `interface ${i + 1} (${roles[i] ?? 'other'}): virtual IP ${vip}, ${own.join(', ')}`;
  });
  return `Cube values: ${rows.join('; ')}`;
}
