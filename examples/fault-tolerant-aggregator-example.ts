import type { Construct } from 'constructs';
import { FaultTolerantAggregator, SshCredentials } from '../index';
import type { HostProps, InstallerKeys } from '../index';

/** A host of the example network, reached as `deploy` (passwordless sudo) with the key in $DEPLOY_SSH_KEY. */
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
 * The response-file properties the construct fills in. The vendor does not publish them: record
 * a response file once (`installDA.bin -i console -r /tmp/da.properties`) and copy the property
 * names from it. The names below stand for yours.
 */
const KEYS: InstallerKeys = {
  sharedDirectoryMountPath: 'SHARED_DIRECTORY_PROPERTY',
  proxyHost: 'PROXY_HOST_PROPERTY',
  aggregatorHost: 'AGGREGATOR_HOST_PROPERTY',
  failoverHost: 'FAILOVER_HOST_PROPERTY',
  databaseUser: 'DATABASE_USER_PROPERTY',
  databasePassword: 'DATABASE_PASSWORD_PROPERTY',
  installDirectory: 'USER_INSTALL_DIR',
};

/**
 * A fault-tolerant DX NetOps data aggregator pair in the vendor's order: the data repository
 * dr1 verified; an NFSv4 shared directory from nfs1 mounted on both aggregators; the proxy, the
 * active and the inactive aggregator, two collectors and the portal installed silently; ports and
 * health verified; HTTPS (your certificate files and commands) and a timed failover drill last.
 */
export function addFaultTolerantAggregator(scope: Construct): FaultTolerantAggregator {
  return new FaultTolerantAggregator(scope, 'NetOps', {
    dataRepository: {
      address: '10.0.1.20',
      port: 5433,
      checkCommand: [
        'sh',
        '-c',
        'VSQL_PASSWORD=$(cat) exec /opt/vertica/bin/vsql -h 10.0.1.20 -U dauser -c "select 1"',
      ],
    },
    databaseCredentials: { user: 'dauser', passwordEnv: 'DR_PASSWORD' },
    sharedDirectory: {
      serverHost: exampleHost('nfs1', '10.0.1.10', 'SHA256:Vx3n0mJmCk2Qm0v0gYt1b7v8mJb1qkqg2mC3vUu8w0A'),
      exportPath: '/srv/da-shared',
      serverNfsV4Only: true,
      mountPath: '/DASharedRepo',
      owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
    },
    proxy: {
      host: exampleHost('proxy1', '10.0.1.30', 'SHA256:P1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v'),
      installer: { path: '/opt/installers/installProxy.bin', installDirectory: '/opt/CA/proxy', keys: KEYS },
    },
    aggregators: {
      active: exampleHost('da1', '10.0.1.11', 'SHA256:q1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v'),
      inactive: exampleHost('da2', '10.0.1.12', 'SHA256:Z9y8x7w6v5u4t3s2r1q0p9o8n7m6l5k4j3i2h1g0f9e'),
      installer: { path: '/opt/installers/installDA.bin', version: '24.3.0', keys: KEYS },
    },
    dataCollectors: {
      hosts: [
        exampleHost('dc1', '10.0.1.41', 'SHA256:D1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v'),
        exampleHost('dc2', '10.0.1.42', 'SHA256:D2b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v'),
      ],
      installer: { path: '/opt/installers/installDC.bin', version: '24.3.0', keys: KEYS },
    },
    portal: {
      host: exampleHost('portal1', '10.0.1.50', 'SHA256:W1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v'),
      installer: {
        path: '/opt/installers/CAPerfCenterSetup.bin',
        keys: { installDirectory: 'USER_INSTALL_DIR' },
      },
    },
    https: {
      aggregators: {
        files: [{ path: '/opt/IMDataAggregator/certs/da.p12', localFile: 'certs/da.p12' }],
        commands: [['/opt/IMDataAggregator/scripts/dadaemon', 'restart']],
      },
      endpoints: [
        { address: '10.0.1.11', port: 8582, name: 'da1.example.com' },
        { address: '10.0.1.12', port: 8582, name: 'da2.example.com' },
      ],
    },
    drill: true,
  });
}
