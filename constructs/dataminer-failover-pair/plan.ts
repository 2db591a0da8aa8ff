import { hostLabel } from '../../src/schema/host';
import type { Step } from '../../src/step';
import { CassandraPreflightAction, cassandraPreflightPart } from '../cassandra-two-node';
import {
  AgentRef,
  FAILOVER_ENABLED_KIND,
  FailoverEnabledAction,
  PortCheck,
  PREFLIGHT_KIND,
  PREPARE_BACKUP_KIND,
  PrepareBackupAction,
  PreflightAction,
  VERIFY_KIND,
  VerifyAction,
} from './actions';
import type { DataMinerFailoverPairConfig, StorageConfig } from './props';
import { DataMinerVersion, grpcByDefault, natsAccountServerUnsupported } from './versions';

export const PREFLIGHT_STEP = 'preflight';
export const BACKUP_STEP = 'backup';
export const VERIFY_STEP = 'verify';
export const FAILOVER_STEP = 'failover';

/** How long DataMiner may take to run again after the backup's start. */
const START_TIMEOUT_SECONDS = 900;

/**
 * The ports between the two agents and to the storage, from the vendor's port list: 8004 always (a
 * Failover heartbeat "to a DMA" checks it), 443 too where gRPC is the inter-agent connection (the
 * default from 10.5.10/10.6.0), NATS 4222/6222, and 9090 (the NATS account server) only before
 * 10.6.0/10.6.1 on agents not migrated to BrokerGateway. Cassandra per agent 7000 (7001 with TLS)
 * and 9042, with indexing 9200/9300; dedicated storage: each agent to Cassandra 9042 (TLS too: the
 * vendor removed 9142 as a misconception) and search 9200.
 */
export function portChecks(storage: StorageConfig, version: DataMinerVersion): PortCheck[] {
  const between = (anyOf: number[], purpose: string): PortCheck => ({
    from: 'both',
    to: 'peer',
    anyOf,
    purpose,
  });
  const checks = [between([8004], '.NET Remoting: Failover heartbeats to a DMA check it')];
  if (grpcByDefault(version))
    checks.push(between([443], 'HTTPS for gRPC, the inter-agent connection from 10.5.10/10.6.0'));
  checks.push(between([4222], 'NATS'), between([6222], 'NATS cluster'));
  if (!natsAccountServerUnsupported(version))
    checks.push({ ...between([9090], 'NATS account server'), unlessBrokerGateway: true });
  if (storage.type === 'cassandra-per-agent') {
    checks.push(between([storage.tls ? 7001 : 7000], `Cassandra internode${storage.tls ? ' (TLS)' : ''}`));
    checks.push(between([9042], 'Cassandra CQL'));
    if (storage.indexing) {
      checks.push(between([9200], 'OpenSearch/Elasticsearch REST'));
      checks.push(between([9300], 'OpenSearch/Elasticsearch node-to-node'));
    }
  }
  if (storage.type === 'dedicated-clustered') {
    for (const to of storage.cassandraHosts)
      checks.push({
        from: 'both',
        to,
        anyOf: [9042],
        purpose: `Cassandra cluster CQL${storage.tls ? ' (TLS, on 9042 too)' : ''}`,
      });
    for (const to of storage.searchHosts)
      checks.push({ from: 'both', to, anyOf: [9200], purpose: 'search cluster REST' });
  }
  return checks;
}

/** The CassandraTwoNode preflight of the two agents' own Cassandra nodes. */
function cassandraPreflight(config: DataMinerFailoverPairConfig): CassandraPreflightAction | undefined {
  if (config.storage.type !== 'cassandra-per-agent') return undefined;
  return cassandraPreflightPart({
    hosts: [config.primary.host, config.backup.host],
    platform: 'windows-dataminer',
    internodeTls: config.storage.tls,
  });
}

/**
 * Preflight (both agents, every problem at once), the backup's preparation (backup only, and only
 * what differs), verification of both; with expectFailoverEnabled, the check after the switch.
 */
export function planDataMinerFailoverPairSteps(config: DataMinerFailoverPairConfig): Step[] {
  const primary: AgentRef = { ...config.primary, role: 'primary' };
  const backup: AgentRef = { ...config.backup, role: 'backup' };
  const ports = portChecks(config.storage, config.version);
  const cassandra = cassandraPreflight(config);
  const pair = `${hostLabel(primary.host)} (primary) and ${hostLabel(backup.host)} (backup)`;
  const preflight: PreflightAction = {
    kind: PREFLIGHT_KIND,
    description: `both agents ready for Failover: version, IDs, cluster, addresses, certificates, ports, storage`,
    primary,
    backup,
    version: config.version.text,
    addressing: config.addressing,
    storage: config.storage,
    ports,
    ...(config.redirectPasswordEnv ? { redirectPasswordEnv: config.redirectPasswordEnv } : {}),
    ...(cassandra ? { cassandra } : {}),
  };
  const prepare: PrepareBackupAction = {
    kind: PREPARE_BACKUP_KIND,
    description: `the backup's DataMiner ID${config.storage.type === 'dedicated-clustered' ? ' and database configuration' : ''} as the primary's`,
    primary,
    backup,
    version: config.version.text,
    storage: config.storage,
    ...(config.redirectPasswordEnv ? { redirectPasswordEnv: config.redirectPasswordEnv } : {}),
    startTimeoutSeconds: START_TIMEOUT_SECONDS,
  };
  const verify: VerifyAction = {
    kind: VERIFY_KIND,
    description: 'both agents: same DataMiner ID, same version, equivalent storage, ports open',
    primary,
    backup,
    storage: config.storage,
    ports,
  };
  const steps: Step[] = [
    {
      id: PREFLIGHT_STEP,
      rerunsWithAnyStep: true,
      description: `check ${pair} before changing anything`,
      host: backup.host,
      actions: [preflight],
      after: [],
      when: 'create',
    },
    {
      id: BACKUP_STEP,
      description: `prepare the backup ${hostLabel(backup.host)} (the primary is never stopped or written)`,
      host: backup.host,
      actions: [prepare],
      after: [PREFLIGHT_STEP],
      when: 'create',
    },
    {
      id: VERIFY_STEP,
      description: `verify ${pair} are prepared alike`,
      host: backup.host,
      actions: [verify],
      after: [BACKUP_STEP],
      when: 'create',
    },
  ];
  if (config.expectFailoverEnabled) {
    const failover: FailoverEnabledAction = {
      kind: FAILOVER_ENABLED_KIND,
      description:
        'Failover switched on: both DMS.xml agree; exactly one agent online, holding the addresses',
      primary,
      backup,
      addressing: config.addressing,
      ...(config.webServices ? { webServices: config.webServices } : {}),
    };
    steps.push({
      id: FAILOVER_STEP,
      description: `verify Failover is on for ${pair}`,
      host: backup.host,
      actions: [failover],
      after: [VERIFY_STEP],
      when: 'create',
    });
  }
  return steps;
}
