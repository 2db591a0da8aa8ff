import type { Construct } from 'constructs';
import { NfsSharedDir, SshCredentials } from '../index';
import type { HostProps } from '../index';

/** A host of the example network, reached as `deploy` with the key in $DEPLOY_SSH_KEY. */
function exampleHost(name: string, address: string, hostKeySha256: string): HostProps {
  return {
    name,
    address,
    user: 'deploy',
    sudo: true,
    hostKeySha256,
    credentials: SshCredentials.privateKeyEnv('DEPLOY_SSH_KEY'),
  };
}

/**
 * The shared directory of a fault-tolerant DX NetOps data aggregator pair: a Linux NFS server
 * exports /srv/da-shared, NFSv4-only, to both data aggregators, which mount it at /DASharedRepo
 * as NFS 4.1 with the same owner UID/GID. The ActiveMQ KahaDB, customized metric families and DTO
 * files live there, so the construct verifies shared data and exclusive locking across the pair.
 */
export function addDataAggregatorSharedDir(scope: Construct): NfsSharedDir {
  return new NfsSharedDir(scope, 'DataAggregatorSharedDir', {
    serverHost: exampleHost('nfs1', '10.0.0.10', 'SHA256:Vx3n0mJmCk2Qm0v0gYt1b7v8mJb1qkqg2mC3vUu8w0A'),
    exportPath: '/srv/da-shared',
    serverNfsV4Only: true,
    mountPath: '/DASharedRepo',
    clients: [
      exampleHost('da1', '10.0.0.11', 'SHA256:q1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v'),
      exampleHost('da2', '10.0.0.12', 'SHA256:Z9y8x7w6v5u4t3s2r1q0p9o8n7m6l5k4j3i2h1g0f9e'),
    ],
    owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
    mode: '0770',
    nfsVersion: '4.1',
    mountOptions: ['noatime'],
    idmapDomain: 'example.com',
    removalPolicy: 'retain',
  });
}
