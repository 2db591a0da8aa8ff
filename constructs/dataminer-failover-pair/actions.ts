/**
 * DataMinerFailoverPair's action kinds: plain JSON inside the step specs. No secret value: the
 * database password travels as the name of the environment variable that holds it.
 */
import type { HostConfig } from '../../src/schema/host';
import type { CassandraPreflightAction } from '../cassandra-two-node';
import type { AddressingConfig, StorageConfig } from './props';

export const PREFLIGHT_KIND = 'dataminer-failover-pair.preflight';
export const PREPARE_BACKUP_KIND = 'dataminer-failover-pair.prepare-backup';
export const VERIFY_KIND = 'dataminer-failover-pair.verify';
export const FAILOVER_ENABLED_KIND = 'dataminer-failover-pair.failover-enabled';

export interface AgentRef {
  readonly host: HostConfig;
  readonly installDir: string;
  /** SLTaskbarUtility.exe, which stops and starts DataMiner. */
  readonly taskbarUtility: string;
  /** "primary" or "backup", for messages. */
  readonly role: 'primary' | 'backup';
}

/** A TCP port (or one of several) one agent must reach on another address. */
export interface PortCheck {
  readonly from: 'primary' | 'backup' | 'both';
  /** An address, or the other agent's address when "peer". */
  readonly to: string | 'peer';
  /** Any one of them answering is enough. */
  readonly anyOf: readonly number[];
  readonly purpose: string;
  /** Not needed when either agent was migrated to BrokerGateway (the NATS account server). */
  readonly unlessBrokerGateway?: boolean;
}

/** What preparing the pair needs of both agents, checked before anything changes. Changes nothing. */
export type PreflightAction = {
  readonly kind: typeof PREFLIGHT_KIND;
  readonly description: string;
  readonly primary: AgentRef;
  readonly backup: AgentRef;
  /** As declared; re-parsed by the runner. */
  readonly version: string;
  readonly addressing: AddressingConfig;
  readonly storage: StorageConfig;
  readonly ports: readonly PortCheck[];
  /** The environment variable with the password of the backup's redirect to the primary. */
  readonly redirectPasswordEnv?: string;
  /** Per-agent Cassandra: the CassandraTwoNode preflight, reported with this one's problems. */
  readonly cassandra?: CassandraPreflightAction;
};

/** The backup made ready: its DataMiner ID and, for dedicated clustered storage, its DB.xml. */
export type PrepareBackupAction = {
  readonly kind: typeof PREPARE_BACKUP_KIND;
  readonly description: string;
  readonly primary: AgentRef;
  readonly backup: AgentRef;
  readonly version: string;
  readonly storage: StorageConfig;
  /** The environment variable with the password of the backup's redirect to the primary. */
  readonly redirectPasswordEnv?: string;
  /** How long to wait for DataMiner to run again after its start. */
  readonly startTimeoutSeconds: number;
};

/** Both agents re-read: same ID, same version, equivalent storage, ports. Changes nothing. */
export type VerifyAction = {
  readonly kind: typeof VERIFY_KIND;
  readonly description: string;
  readonly primary: AgentRef;
  readonly backup: AgentRef;
  readonly storage: StorageConfig;
  readonly ports: readonly PortCheck[];
};

/** After Failover was switched on in Cube: both DMS.xml agree, exactly one agent online with the addresses. */
export type FailoverEnabledAction = {
  readonly kind: typeof FAILOVER_ENABLED_KIND;
  readonly description: string;
  readonly primary: AgentRef;
  readonly backup: AgentRef;
  readonly addressing: AddressingConfig;
  /** Web Services credentials, by reference: GetDataMinerAgentsInfo is read too. */
  readonly webServices?: WebServicesCredentials;
};

/** A DataMiner user for the Web Services; its password is in an environment variable. */
export interface WebServicesCredentials {
  readonly login: string;
  readonly passwordEnv: string;
}

/** Every action kind DataMinerFailoverPair contributes. */
export type DataMinerFailoverPairAction =
  PreflightAction | PrepareBackupAction | VerifyAction | FailoverEnabledAction;
