import type { Construct } from 'constructs';
import { DataMinerFailoverPair, DataMinerSystem, SshCredentials } from '../index';
import type { HostProps } from '../index';

/** A Windows DataMiner agent reached through Windows OpenSSH as a service account, its key in $DMA_SSH_KEY. */
function agent(name: string, address: string, hostKeySha256: string): HostProps {
  return {
    name,
    address,
    os: 'windows',
    user: 'CORP\\svc-dataminer',
    hostKeySha256,
    credentials: SshCredentials.privateKeyEnv('DMA_SSH_KEY'),
  };
}

/**
 * One DataMiner System on 10.3.0 [CU9] with two Failover pairs, both by virtual IP (a DMS may not
 * mix hostname and virtual-IP pairs from that version): one with a Cassandra per agent, one on
 * dedicated clustered storage whose backup gets the primary's databases with the password from
 * $DMS_DB_PASSWORD. Failover is then switched on in Cube with each pair's runbook.
 */
export function addDataMinerPairs(scope: Construct): {
  system: DataMinerSystem;
  pairs: DataMinerFailoverPair[];
} {
  const system = new DataMinerSystem(scope, 'Dms', { version: '10.3.0 [CU9]' });
  const acquisition = new DataMinerFailoverPair(scope, 'AcquisitionPair', {
    system,
    primary: { host: agent('dma1', '10.0.2.11', 'SHA256:M1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v') },
    backup: { host: agent('dma1b', '10.0.2.12', 'SHA256:M2b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v') },
    virtualIps: ['10.0.2.50', '10.0.3.50'],
    storage: { type: 'cassandra-per-agent' },
  });
  const central = new DataMinerFailoverPair(scope, 'CentralPair', {
    system,
    primary: { host: agent('dma2', '10.0.2.21', 'SHA256:M3b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v') },
    backup: { host: agent('dma2b', '10.0.2.22', 'SHA256:M4b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v') },
    virtualIps: ['10.0.2.60'],
    storage: {
      type: 'dedicated-clustered',
      cassandraHosts: ['10.0.4.1', '10.0.4.2', '10.0.4.3'],
      searchHosts: ['10.0.5.1'],
      passwordEnv: 'DMS_DB_PASSWORD',
    },
    expectFailoverEnabled: true,
  });
  return { system, pairs: [acquisition, central] };
}
