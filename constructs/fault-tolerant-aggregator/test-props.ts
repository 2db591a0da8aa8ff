/** Props shared by this construct's tests: a full procedure on 10.0.0.x hosts. */
import { SshCredentials } from '../../src/schema/host';
import type { FaultTolerantAggregatorProps } from './props';

const KEY = `SHA256:${'k'.repeat(43)}`;
export const testHost = (name: string, address: string, extra: object = {}) => ({
  name,
  address,
  user: 'root',
  hostKeySha256: KEY,
  credentials: SshCredentials.privateKeyEnv('DEPLOY_SSH_KEY'),
  ...extra,
});

export const KEYS = {
  sharedDirectoryMountPath: 'LAB_SHARED_DIR',
  proxyHost: 'LAB_PROXY_HOST',
  aggregatorHost: 'LAB_DA_HOST',
  failoverHost: 'LAB_FAILOVER_DA_HOST',
  databaseUser: 'LAB_DB_USER',
  databasePassword: 'LAB_DB_PASSWORD',
  installDirectory: 'USER_INSTALL_DIR',
};

export const validProps = (): FaultTolerantAggregatorProps => ({
  dataRepository: { address: '10.0.0.20' },
  databaseCredentials: { user: 'dauser', passwordEnv: 'DR_PASSWORD' },
  sharedDirectory: {
    serverHost: testHost('nfs', '10.0.0.10'),
    exportPath: '/srv/da-shared',
    mountPath: '/DASharedRepo',
    owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
  },
  proxy: {
    host: testHost('proxy', '10.0.0.30'),
    installer: { path: '/opt/installers/installProxy.bin', installDirectory: '/opt/CA/proxy', keys: KEYS },
  },
  aggregators: {
    active: testHost('da1', '10.0.0.11'),
    inactive: testHost('da2', '10.0.0.12'),
    installer: {
      path: '/opt/installers/installDA.bin',
      version: '24.3.0',
      keys: KEYS,
      properties: { LAB_DB_HOST: '10.0.0.20' },
    },
  },
  dataCollectors: {
    hosts: [testHost('dc1', '10.0.0.41'), testHost('dc2', '10.0.0.42')],
    installer: { path: '/opt/installers/installDC.bin', version: '24.3.0', keys: KEYS },
  },
});
