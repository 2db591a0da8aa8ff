import { hostLabel } from '../../src/schema/host';
import { slugStepId, Step } from '../../src/step';
import type { SharedDirectoryPreflightAction } from '../nfs-shared-dir';
import {
  AggregatorRef,
  DATA_REPOSITORY_KIND,
  DataRepositoryAction,
  DRILL_KIND,
  DrillAction,
  HEALTH_KIND,
  HealthAction,
  HTTPS_KIND,
  HttpsAction,
  INSTALL_KIND,
  InstallAction,
  InstallerFacts,
  PORTS_KIND,
  PortsAction,
  PREFLIGHT_KIND,
  PreflightAction,
  ProcedureHost,
  ShareAccountCheck,
  UPGRADE_KIND,
  UpgradeAction,
} from './actions';
import { httpsRecord } from './https-rules';
import { COMPONENT_NAMES, NetOpsComponent } from './netops';
import { procedurePaths } from './network-paths';
import type { FaultTolerantAggregatorConfig, InstallerConfig } from './props';
import { responseProperties } from './response-file';
import type { HostConfig } from '../../src/schema/host';

export const PREFLIGHT_STEP = 'preflight';
export const DATA_REPOSITORY_STEP = 'data-repository';
export const UPGRADE_STEP = 'upgrade';
export const PROXY_STEP = 'proxy';
export const ACTIVE_AGGREGATOR_STEP = 'aggregator-active';
export const INACTIVE_AGGREGATOR_STEP = 'aggregator-inactive';
export const PORTAL_STEP = 'portal';
export const PORTS_STEP = 'ports';
export const HEALTH_STEP = 'health';
export const HTTPS_STEP = 'https';
export const DRILL_STEP = 'drill';

/**
 * The construct's last verification, which `ready` stands for: the drill when there is one, else
 * the HTTPS check, else health. Nothing the construct does runs after it.
 */
export function readyStepId(config: { readonly https?: unknown; readonly drill?: unknown }): string {
  if (config.drill) return DRILL_STEP;
  return config.https ? HTTPS_STEP : HEALTH_STEP;
}

/** The three Consul servers: the proxy and the two aggregators. */
const SERVERS = 3;
/** How long a collector waits for both aggregators before it installs. */
const AGGREGATOR_WAIT_SECONDS = 900;
/** How long a collector that was stopped and started has to connect to its aggregator. */
const COLLECTOR_CONNECT_SECONDS = 120;
/** A collector just started may still be connecting: how long before it counts as hung. */
const COLLECTOR_CONNECT_GRACE_SECONDS = 10;

/** What the plan needs of the shared directory (an NfsSharedDir, ours or the user's). */
export interface SharedDirectorySummary {
  readonly mountPath: string;
  /** Its preflight, run inside this construct's preflight so that one run reports every problem. */
  readonly preflight?: SharedDirectoryPreflightAction;
  /** Its owner: the account the aggregators write it as, unless `aggregators.shareAccount` says otherwise. */
  readonly owner?: ShareAccountCheck['owner'];
  /** The export options and mode its own server step sets (none when the server is not its to configure). */
  readonly plannedExport?: ShareAccountCheck['plannedExport'];
}

/** The account check of the preflight, when the account is known (a name, given or the owner's). */
function shareAccountCheck(
  config: FaultTolerantAggregatorConfig,
  share: SharedDirectorySummary,
): ShareAccountCheck | undefined {
  const account = config.aggregators.shareAccount;
  if (account === undefined || share.owner === undefined) return undefined;
  return {
    account,
    aggregators: [config.aggregators.active, config.aggregators.inactive],
    mountPath: share.mountPath,
    owner: share.owner,
    ...(share.plannedExport ? { plannedExport: share.plannedExport } : {}),
  };
}

export const collectorStepId = (host: HostConfig, i: number) =>
  slugStepId('collector', hostLabel(host), i + 1);

function installerFacts(installer: InstallerConfig): InstallerFacts {
  return {
    ...(installer.path !== undefined ? { path: installer.path } : {}),
    ...(installer.localFile !== undefined ? { localFile: installer.localFile } : {}),
    ...(installer.version !== undefined ? { version: installer.version } : {}),
    allowUpgrade: installer.allowUpgrade,
    installDirectory: installer.installDirectory,
    ...(installer.versionCommand ? { versionCommand: installer.versionCommand } : {}),
    unpackDirectory: installer.unpackDirectory,
    minimumFreeMiB: installer.minimumFreeMiB,
  };
}

/** Every host of the procedure, in the vendor's order of installation. */
export function procedureHosts(config: FaultTolerantAggregatorConfig): ProcedureHost[] {
  const { proxy, aggregators, dataCollectors, portal } = config;
  const host = (h: HostConfig, role: string, component: NetOpsComponent, installer: InstallerConfig) => ({
    host: h,
    role,
    component,
    installer: installerFacts(installer),
  });
  return [
    host(proxy.host, 'proxy server', 'proxy', proxy.installer),
    host(aggregators.active, 'active data aggregator', 'aggregator', aggregators.installer),
    host(aggregators.inactive, 'inactive data aggregator', 'aggregator', aggregators.installer),
    ...dataCollectors.hosts.map((h) => host(h, 'data collector', 'collector', dataCollectors.installer!)),
    ...(portal ? [host(portal.host, 'NetOps Portal', 'portal', portal.installer)] : []),
  ];
}

function aggregatorRefs(config: FaultTolerantAggregatorConfig): AggregatorRef[] {
  const { active, inactive, installer, statusLine, unreadableStatus, readinessLogs } = config.aggregators;
  return [active, inactive].map((host) => ({
    host,
    installDirectory: installer.installDirectory,
    statusLine,
    unreadableStatus,
    readinessLogs,
  }));
}

/** A component's install action: what its install step runs, and what the upgrade runs over it. */
function installAction(
  config: FaultTolerantAggregatorConfig,
  share: SharedDirectorySummary,
  component: NetOpsComponent,
  installer: InstallerConfig,
  extra: Partial<InstallAction> = {},
): InstallAction {
  const { proxy, aggregators, databaseCredentials, dataRepository } = config;
  const passwordKey = installer.keys.databasePassword;
  return {
    kind: INSTALL_KIND,
    description: `${COMPONENT_NAMES[component]} installed in ${installer.installDirectory}${installer.version ? ` at ${installer.version}` : ''}`,
    component,
    installer: { ...installerFacts(installer), timeoutSeconds: installer.timeoutSeconds },
    properties: responseProperties(installer, {
      sharedDirectoryMountPath: share.mountPath,
      proxyHost: proxy.host.address,
      aggregatorHost: aggregators.active.address,
      failoverHost: aggregators.inactive.address,
      databaseUser: databaseCredentials.user,
      installDirectory: installer.installDirectory,
      dataRepositoryHost: dataRepository.address,
      dataRepositoryPort: String(dataRepository.port),
    }),
    ...(passwordKey ? { passwordKey, passwordEnv: databaseCredentials.passwordEnv } : {}),
    ...extra,
  };
}

function installStep(
  config: FaultTolerantAggregatorConfig,
  share: SharedDirectorySummary,
  id: string,
  host: HostConfig,
  component: NetOpsComponent,
  installer: InstallerConfig,
  after: readonly string[],
  extra: Partial<InstallAction> = {},
): Step {
  const action = installAction(config, share, component, installer, extra);
  return {
    id,
    description: `install the ${COMPONENT_NAMES[component]} on ${hostLabel(host)} (InstallAnywhere, silent)`,
    host,
    actions: [action],
    after,
    when: 'create',
  };
}

/**
 * The collectors install (and upgrade) in batches of `batchSize`, each batch after the one before
 * it, the first after the inactive aggregator: most collectors keep collecting while one batch
 * restarts, and each is verified before the next batch starts.
 */
export function collectorBatchAfter(ids: readonly string[], index: number, batchSize: number): string[] {
  const batch = Math.floor(index / batchSize);
  if (batch === 0) return [INACTIVE_AGGREGATOR_STEP];
  return ids.slice((batch - 1) * batchSize, batch * batchSize);
}

/**
 * The upgrade of a deployed site, before the proxy's install step: the portal, the proxy, then the
 * aggregators one at a time, health-gated (handle-upgrade.ts). It carries every installer's version,
 * so it runs again whenever one changes; on a fresh site it finds nothing installed.
 */
function upgradeStep(config: FaultTolerantAggregatorConfig, share: SharedDirectorySummary): Step {
  const { proxy, aggregators, portal, dataCollectors } = config;
  const components = [
    ...(portal ? [{ host: portal.host, component: 'portal' as const, installer: portal.installer }] : []),
    { host: proxy.host, component: 'proxy' as const, installer: proxy.installer },
  ];
  const upgrade: UpgradeAction = {
    kind: UPGRADE_KIND,
    description:
      'an installed site upgraded in order: portal, proxy, then each aggregator health-gated, one failover',
    components: components.map((c) => ({
      host: c.host,
      install: installAction(config, share, c.component, c.installer),
    })),
    aggregators: aggregatorRefs(config),
    aggregatorInstall: installAction(config, share, 'aggregator', aggregators.installer),
    maintenanceCommand: aggregators.maintenanceCommand,
    activateCommand: aggregators.activateCommand,
    servers: SERVERS,
    timeoutSeconds: config.healthTimeoutSeconds,
    ...(dataCollectors.installer?.version !== undefined
      ? { collectorVersion: dataCollectors.installer.version }
      : {}),
  };
  return {
    id: UPGRADE_STEP,
    description:
      'upgrade what is installed at another version: portal, proxy, aggregators one at a time (nothing on a fresh site)',
    host: proxy.host,
    actions: [upgrade],
    after: [DATA_REPOSITORY_STEP],
    when: 'create',
  };
}

/**
 * The fault-tolerant data aggregator procedure in the vendor's order: preflight; the data
 * repository; the upgrade of a deployed site (nothing on a fresh one); (the shared directory's own
 * steps, outside this plan); proxy; active aggregator; inactive aggregator; each collector with
 * the inactive aggregator as its failover host; portal; ports; health; HTTPS; drill. Each step
 * runs after the ones before it.
 */
export function planFaultTolerantAggregatorSteps(
  config: FaultTolerantAggregatorConfig,
  share: SharedDirectorySummary,
): Step[] {
  const paths = procedurePaths(config);
  const checks = [
    preflightStep(config, share, paths),
    dataRepositoryStep(config),
    upgradeStep(config, share),
  ];
  return [...checks, ...installSteps(config, share), ...verificationSteps(config, paths)];
}

/** Every host, network path and the shared directory checked before anything is installed. */
function preflightStep(
  config: FaultTolerantAggregatorConfig,
  share: SharedDirectorySummary,
  paths: PreflightAction['paths'],
): Step {
  const account = shareAccountCheck(config, share);
  const preflight: PreflightAction = {
    kind: PREFLIGHT_KIND,
    description: `every host, the shared directory and ${paths.length} network paths ready`,
    hosts: procedureHosts(config),
    paths,
    ...(share.preflight ? { sharedDirectoryPreflight: share.preflight } : {}),
    ...(account ? { shareAccount: account } : {}),
  };
  return {
    id: PREFLIGHT_STEP,
    rerunsWithAnyStep: true,
    description: 'check every host and network path before installing anything',
    host: config.proxy.host,
    actions: [preflight],
    after: [],
    when: 'create',
  };
}

/** The data repository is installed by its own procedure: both aggregators must reach it. */
function dataRepositoryStep(config: FaultTolerantAggregatorConfig): Step {
  const { aggregators, dataRepository } = config;
  const repository: DataRepositoryAction = {
    kind: DATA_REPOSITORY_KIND,
    description: `the data repository ${dataRepository.address}:${dataRepository.port} answers both aggregators${dataRepository.checkCommand ? ' and accepts the credentials' : ''}`,
    aggregators: [aggregators.active, aggregators.inactive],
    address: dataRepository.address,
    port: dataRepository.port,
    ...(dataRepository.checkCommand ? { checkCommand: dataRepository.checkCommand } : {}),
    passwordEnv: config.databaseCredentials.passwordEnv,
  };
  return {
    id: DATA_REPOSITORY_STEP,
    description: `verify the data repository ${dataRepository.address} (installed by its own procedure)`,
    host: aggregators.active,
    actions: [repository],
    after: [PREFLIGHT_STEP],
    when: 'create',
  };
}

/** Proxy, active aggregator, inactive aggregator, the collectors (in batches), the portal. */
function installSteps(config: FaultTolerantAggregatorConfig, share: SharedDirectorySummary): Step[] {
  const { proxy, aggregators, dataCollectors, portal } = config;
  const collectorIds = dataCollectors.hosts.map((host, i) => collectorStepId(host, i));
  const steps: Step[] = [
    // After the data repository (the vendor's order) and after the upgrade, which leaves it in place.
    installStep(config, share, PROXY_STEP, proxy.host, 'proxy', proxy.installer, [
      DATA_REPOSITORY_STEP,
      UPGRADE_STEP,
    ]),
    installStep(
      config,
      share,
      ACTIVE_AGGREGATOR_STEP,
      aggregators.active,
      'aggregator',
      aggregators.installer,
      [PROXY_STEP],
    ),
    installStep(
      config,
      share,
      INACTIVE_AGGREGATOR_STEP,
      aggregators.inactive,
      'aggregator',
      aggregators.installer,
      [ACTIVE_AGGREGATOR_STEP],
    ),
    ...dataCollectors.hosts.map((host, i) =>
      installStep(
        config,
        share,
        collectorIds[i],
        host,
        'collector',
        dataCollectors.installer!,
        collectorBatchAfter(collectorIds, i, dataCollectors.upgradeBatchSize),
        collectorOptions(config),
      ),
    ),
  ];
  if (portal)
    steps.push(
      installStep(
        config,
        share,
        PORTAL_STEP,
        portal.host,
        'portal',
        portal.installer,
        collectorsOrInactive(config),
      ),
    );
  return steps;
}

/**
 * A collector's install waits for an aggregator to answer (the Active one on its web services
 * port, the standby on its Consul port), and repairs a collector left hung by stopping, then
 * starting it.
 */
function collectorOptions(config: FaultTolerantAggregatorConfig): Partial<InstallAction> {
  const { aggregators, dataCollectors } = config;
  return {
    waitFor: {
      aggregators: [aggregators.active, aggregators.inactive].map((da) => ({
        address: da.address,
        label: hostLabel(da),
      })),
      activePort: aggregators.webServicesPort,
      standbyPort: dataCollectors.standbyWaitPort,
      seconds: AGGREGATOR_WAIT_SECONDS,
    },
    repair: {
      stopCommand: dataCollectors.stopCommand,
      startCommand: dataCollectors.startCommand,
      ports: dataCollectors.aggregatorPorts,
      connectSeconds: COLLECTOR_CONNECT_SECONDS,
      graceSeconds: COLLECTOR_CONNECT_GRACE_SECONDS,
      aggregators: aggregatorRefs(config).map(({ host, installDirectory }) => ({ host, installDirectory })),
    },
  };
}

/**
 * After the installs: ports, health, then HTTPS and the drill when asked for; each runs after the
 * one before, so the last of them is the construct's `ready`.
 */
function verificationSteps(config: FaultTolerantAggregatorConfig, paths: PreflightAction['paths']): Step[] {
  const { proxy, aggregators, dataCollectors } = config;
  const ports: PortsAction = {
    kind: PORTS_KIND,
    description:
      'every port of the procedure answers between the right hosts (UDP 8301 by gossip membership)',
    paths: paths.filter((p) => p.protocol === 'tcp'),
    servers: SERVERS,
    aggregators: aggregatorRefs(config),
    activeOnlyPorts: [...new Set([aggregators.webServicesPort, ...dataCollectors.aggregatorPorts])],
    collectors: { hosts: dataCollectors.hosts, ports: dataCollectors.aggregatorPorts },
  };
  const health: HealthAction = {
    kind: HEALTH_KIND,
    description:
      'one aggregator Active, the other Inactive; Consul leader, 3 peers, 3 alive members, no critical check',
    aggregators: aggregatorRefs(config),
    servers: SERVERS,
    timeoutSeconds: config.healthTimeoutSeconds,
  };
  const steps: Step[] = [
    {
      id: PORTS_STEP,
      description:
        'verify the ports between the proxy, the aggregators, the collectors and the data repository',
      host: proxy.host,
      actions: [ports],
      after: config.portal ? [PORTAL_STEP] : collectorsOrInactive(config),
      when: 'create',
    },
    {
      id: HEALTH_STEP,
      description: 'verify the health of the fault-tolerant aggregators',
      host: proxy.host,
      actions: [health],
      after: [PORTS_STEP],
      when: 'create',
    },
  ];
  const https = httpsStep(config);
  if (https) steps.push({ ...https, after: [steps[steps.length - 1].id] });
  const drill = drillStep(config);
  if (drill) steps.push({ ...drill, after: [steps[steps.length - 1].id] });
  return steps;
}

/** Every collector's step (the portal's follows them), or the inactive aggregator's when there is none. */
function collectorsOrInactive(config: FaultTolerantAggregatorConfig): string[] {
  const ids = config.dataCollectors.hosts.map((host, i) => collectorStepId(host, i));
  return ids.length > 0 ? ids : [INACTIVE_AGGREGATOR_STEP];
}

/** Your HTTPS files and commands applied per host, then every endpoint checked over TLS. */
function httpsStep(config: FaultTolerantAggregatorConfig): Omit<Step, 'after'> | undefined {
  const { https: props, proxy, aggregators } = config;
  if (!props) return undefined;
  const https: HttpsAction = {
    kind: HTTPS_KIND,
    description: `HTTPS files and commands applied; ${props.endpoints.length} endpoint(s) answer TLS with a certificate naming them`,
    hosts: [
      { host: proxy.host, ...props.proxy },
      ...[aggregators.active, aggregators.inactive].map((host) => ({ host, ...props.aggregators })),
    ]
      .filter((h) => h.files.length > 0 || h.commands.length > 0)
      .map((h) => (h.commands.length > 0 ? { ...h, record: httpsRecord(h.commands) } : h)),
    endpoints: props.endpoints,
    ...(props.caBundleFile !== undefined ? { caBundleFile: props.caBundleFile } : {}),
  };
  return {
    id: HTTPS_STEP,
    description: 'enable HTTPS (your files and commands) and check every endpoint over TLS',
    host: proxy.host,
    actions: [https],
    when: 'create',
  };
}

/** The timed failover drill, when asked for. */
function drillStep(config: FaultTolerantAggregatorConfig): Omit<Step, 'after'> | undefined {
  if (!config.drill) return undefined;
  const drill: DrillAction = {
    kind: DRILL_KIND,
    description: 'fail over to the other aggregator and back, timed; health verified after',
    aggregators: aggregatorRefs(config),
    servers: SERVERS,
    timeoutSeconds: config.drillTimeoutSeconds,
  };
  return {
    id: DRILL_STEP,
    description:
      'failover drill: maintenance on the active aggregator, time the switch, activate, switch back',
    host: config.proxy.host,
    actions: [drill],
    when: 'create',
  };
}
