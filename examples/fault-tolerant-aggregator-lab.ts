/**
 * The fault-tolerant aggregator on the local lab: what `npm run demo` deploys and the end-to-end
 * tests start from. lab-a proxy, lab-b and lab-c the aggregators, lab-d and lab-e collectors, lab-f
 * the NFS server, lab-g the data repository; the lab's emulated installers read the `LAB_*`
 * response properties.
 */
import * as fs from 'node:fs';
import type { Construct } from 'constructs';
import { FaultTolerantAggregator, FaultTolerantAggregatorProps } from '../index';
import { labHostProps } from '../test/support/lab-hosts';
import type { HostProps } from '../index';
import { hostPath, LabHost, LabInventory } from '../test/lab/lab';
import { installNfsClientEmulator, installNfsServerEmulator } from '../test/lab/emulators/nfs/install';
import {
  installNetOpsEmulators,
  installNetOpsInstaller,
  NetOpsComponent,
  startDataRepository,
} from '../test/lab/emulators/netops/setup';

export const NETOPS_LAB_ROLES = {
  proxy: 'lab-a',
  active: 'lab-b',
  inactive: 'lab-c',
  collectors: ['lab-d', 'lab-e'],
  nfs: 'lab-f',
  repository: 'lab-g',
} as const;
export const NETOPS_LAB_VERSION = '24.3.0';
export const NETOPS_LAB_DB = {
  user: 'dauser',
  password: 'Lab-Repository-Pw1',
  passwordEnv: 'NETOPS_LAB_DR_PASSWORD',
};

const INSTALLERS: Record<NetOpsComponent, string> = {
  proxy: '/opt/installers/installProxy.bin',
  aggregator: '/opt/installers/installDA.bin',
  collector: '/opt/installers/installDC.bin',
  portal: '/opt/installers/CAPerfCenterSetup.bin',
};

/** The emulated site before the construct runs: installers on the hosts, NFS tools, the data repository up. */
export function prepareNetOpsLab(hosts: readonly LabHost[]): void {
  const byName = (name: string) => hosts.find((h) => h.name === name)!;
  const r = NETOPS_LAB_ROLES;
  for (const h of hosts) installNetOpsEmulators(h);
  installNfsServerEmulator(r.nfs);
  for (const da of [r.active, r.inactive]) {
    installNfsClientEmulator(da);
    fs.rmSync(hostPath(da, '/DASharedRepo'), { recursive: true, force: true });
  }
  placeNetOpsInstallers(byName, INSTALLERS, NETOPS_LAB_VERSION);
  startDataRepository(byName(r.repository), { user: NETOPS_LAB_DB.user, password: NETOPS_LAB_DB.password });
}

/** One release's installers of the proxy, the aggregators and the collectors, on their lab hosts. */
export function placeNetOpsInstallers(
  byName: (name: string) => LabHost,
  paths: Readonly<Record<'proxy' | 'aggregator' | 'collector', string>>,
  version: string,
): void {
  const r = NETOPS_LAB_ROLES;
  const hosts = [
    { names: [r.proxy], component: 'proxy' as const },
    { names: [r.active, r.inactive], component: 'aggregator' as const },
    { names: r.collectors, component: 'collector' as const },
  ];
  for (const { names, component } of hosts)
    for (const name of names)
      installNetOpsInstaller(byName(name), { path: paths[component], component, version });
}

/** The construct's props for the lab; `host` turns a lab host name into HostProps. */
export function netOpsLabProps(
  host: (name: string) => HostProps,
  repositoryAddress: string,
  extra: Partial<FaultTolerantAggregatorProps> = {},
): FaultTolerantAggregatorProps {
  const r = NETOPS_LAB_ROLES;
  const keys = {
    sharedDirectoryMountPath: 'LAB_SHARED_DIR',
    proxyHost: 'LAB_PROXY_HOST',
    aggregatorHost: 'LAB_DA_HOST',
    failoverHost: 'LAB_FAILOVER_DA_HOST',
    databaseUser: 'LAB_DB_USER',
    databasePassword: 'LAB_DB_PASSWORD',
    installDirectory: 'USER_INSTALL_DIR',
    dataRepositoryHost: 'LAB_DB_HOST',
    dataRepositoryPort: 'LAB_DB_PORT',
  };
  return {
    dataRepository: {
      address: repositoryAddress,
      checkCommand: [
        'sh',
        '-c',
        'VSQL_PASSWORD=$(cat) exec vsql -h "$1" -U "$2" -c "select 1"',
        'sh',
        repositoryAddress,
        NETOPS_LAB_DB.user,
      ],
    },
    databaseCredentials: { user: NETOPS_LAB_DB.user, passwordEnv: NETOPS_LAB_DB.passwordEnv },
    sharedDirectory: {
      serverHost: host(r.nfs),
      exportPath: '/srv/da-shared',
      mountPath: '/DASharedRepo',
      owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
      serverNfsV4Only: true,
    },
    proxy: {
      host: host(r.proxy),
      installer: {
        path: INSTALLERS.proxy,
        version: NETOPS_LAB_VERSION,
        installDirectory: '/opt/CA/proxy',
        keys,
      },
    },
    aggregators: {
      active: host(r.active),
      inactive: host(r.inactive),
      installer: { path: INSTALLERS.aggregator, version: NETOPS_LAB_VERSION, keys },
    },
    dataCollectors: {
      hosts: r.collectors.map(host),
      installer: { path: INSTALLERS.collector, version: NETOPS_LAB_VERSION, keys },
    },
    healthTimeoutSeconds: 60,
    drillTimeoutSeconds: 60,
    ...extra,
  };
}

/** A lab host by name as HostProps: pinned host key, the lab's client key by file reference. */
export function labHost(lab: LabInventory) {
  return (name: string): HostProps =>
    labHostProps(
      lab,
      lab.hosts.find((h) => h.name === name)!,
    );
}

export function addNetOpsLab(scope: Construct, props: FaultTolerantAggregatorProps): FaultTolerantAggregator {
  return new FaultTolerantAggregator(scope, 'NetOps', props);
}
