import type { Construct } from 'constructs';
import { CassandraTwoNode, SshCredentials } from '../index';
import type { HostProps } from '../index';

/**
 * Two example pairs:
 * - a Linux pair whose cluster keys the construct owns: preflight, a rolling restart one node
 *   at a time, then a verified cluster;
 * - the Cassandra of a DataMiner Failover pair, in verify mode: DataMiner forms that cluster
 *   itself when Failover is switched on, so the construct only checks and verifies.
 */
export function addCassandraExamples(scope: Construct): {
  linux: CassandraTwoNode;
  dataMiner: CassandraTwoNode;
} {
  const linuxHost = (name: string, address: string, hostKeySha256: string): HostProps => ({
    name,
    address,
    user: 'deploy',
    sudo: true,
    hostKeySha256,
    credentials: SshCredentials.privateKeyEnv('CASSANDRA_DEPLOY_KEY'),
  });
  const linux = new CassandraTwoNode(scope, 'LinuxCassandra', {
    nodes: [
      { host: linuxHost('cas1', '10.0.0.21', 'SHA256:Zl8bqtL9tQ2kQx3ZQk9Jb8kq5m3c9Wq1Yt0Vh2nP4rE') },
      { host: linuxHost('cas2', '10.0.0.22', 'SHA256:4hX1q0mZl7Vw2bN8cR5tY6uI9oP3aS1dF7gH2jK0lQw') },
    ],
    platform: 'linux',
    mode: 'configure',
    clusterName: 'Orders',
    endpointSnitch: 'GossipingPropertyFileSnitch',
    expectedReleaseVersion: '3.11.4',
    healthTimeoutSeconds: 240,
  });

  const dataMinerHost = (name: string, address: string, hostKeySha256: string): HostProps => ({
    name,
    address,
    os: 'windows',
    user: 'CORP\\svc-dataminer',
    hostKeySha256,
    credentials: SshCredentials.passwordEnv('DATAMINER_ADMIN_PASSWORD'),
    commandTimeoutSeconds: 600,
  });
  const dataMiner = new CassandraTwoNode(scope, 'DataMinerCassandra', {
    nodes: [
      {
        host: dataMinerHost('dma-primary', '10.0.0.31', 'SHA256:pR7wQ2eT5yU8iO1pA4sD6fG9hJ2kL5zX8cV1bN4mQ7w'),
      },
      {
        host: dataMinerHost('dma-backup', '10.0.0.32', 'SHA256:mN3bV6cX9zL2kJ5hG8fD1sA4pO7iU0yT3rE6wQ9aZ2x'),
      },
    ],
    platform: 'windows-dataminer',
    mode: 'verify',
  });
  return { linux, dataMiner };
}
