/**
 * FaultTolerantAggregator's action kinds: plain JSON inside the step specs, carried out by the
 * handlers in handlers.ts. No secret value is in any of them: the database password travels as
 * the name of the environment variable that holds it.
 */
import type { HostConfig } from '../../src/schema/host';
import type { SharedDirectoryPreflightAction } from '../nfs-shared-dir';
import type { NetOpsComponent } from './netops';

export const PREFLIGHT_KIND = 'fault-tolerant-aggregator.preflight';
export const DATA_REPOSITORY_KIND = 'fault-tolerant-aggregator.data-repository';
export const INSTALL_KIND = 'fault-tolerant-aggregator.install';
export const PORTS_KIND = 'fault-tolerant-aggregator.ports';
export const HEALTH_KIND = 'fault-tolerant-aggregator.health';
export const HTTPS_KIND = 'fault-tolerant-aggregator.https';
export const DRILL_KIND = 'fault-tolerant-aggregator.drill';
export const UPGRADE_KIND = 'fault-tolerant-aggregator.upgrade';

/** A path the procedure needs: `from` reaches `to` on a port. */
export interface NetworkPath {
  readonly from: HostConfig;
  /** The target when it is a host of this construct (a listener can stand in for its service). */
  readonly toHost?: HostConfig;
  /** The address `from` connects to. */
  readonly toAddress: string;
  /** The name of the target in messages. */
  readonly toLabel: string;
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /** Why the path is needed, in the vendor's words: "Consul LAN gossip". */
  readonly purpose: string;
}

/** An installer as the checks and the install see it (no response properties). */
export interface InstallerFacts {
  readonly path?: string;
  readonly localFile?: string;
  readonly version?: string;
  readonly allowUpgrade: boolean;
  readonly installDirectory: string;
  readonly versionCommand?: readonly string[];
  readonly unpackDirectory: string;
  readonly minimumFreeMiB: number;
}

/** A host of the procedure and what it will install. */
export interface ProcedureHost {
  readonly host: HostConfig;
  /** "proxy", "active aggregator", "collector lab-d": for messages. */
  readonly role: string;
  readonly component: NetOpsComponent;
  readonly installer: InstallerFacts;
}

/** Checks every host and every network path before anything changes. Changes nothing. */
export type PreflightAction = {
  readonly kind: typeof PREFLIGHT_KIND;
  readonly description: string;
  readonly hosts: readonly ProcedureHost[];
  readonly paths: readonly NetworkPath[];
  /** The shared directory's own preflight, reported with this one's problems. */
  readonly sharedDirectoryPreflight?: SharedDirectoryPreflightAction;
  /** The account the aggregators write the shared directory as, checked on both. */
  readonly shareAccount?: ShareAccountCheck;
};

/**
 * The account the aggregators write the shared directory as: on each aggregator it exists with the
 * same IDs, and, where the share is mounted, writes, locks and deletes a new file in it; before the
 * share is mounted, the planned export (when this construct's NfsSharedDir sets it up) must let it.
 */
export type ShareAccountCheck = {
  /** A user name (`aggregators.shareAccount`, by default the share's owner). */
  readonly account: string;
  readonly aggregators: readonly HostConfig[];
  readonly mountPath: string;
  readonly owner: { readonly uid: number; readonly gid: number; readonly user?: string };
  /** The export options and directory mode the share's own server step sets. */
  readonly plannedExport?: { readonly options: readonly string[]; readonly mode: string };
};

/** The data repository answers both aggregators (and accepts the credentials, given a check command). */
export type DataRepositoryAction = {
  readonly kind: typeof DATA_REPOSITORY_KIND;
  readonly description: string;
  readonly aggregators: readonly HostConfig[];
  readonly address: string;
  readonly port: number;
  readonly checkCommand?: readonly string[];
  readonly passwordEnv: string;
};

/** A component installed (or upgraded) with InstallAnywhere, unless it is there already. */
export type InstallAction = {
  readonly kind: typeof INSTALL_KIND;
  readonly description: string;
  readonly component: NetOpsComponent;
  readonly installer: InstallerFacts & { readonly timeoutSeconds: number };
  /** The response file without the password, in order: the user's properties, then the construct's. */
  readonly properties: readonly (readonly [string, string])[];
  /** The property that receives the password, read from `passwordEnv` at apply time. */
  readonly passwordKey?: string;
  readonly passwordEnv?: string;
  /**
   * Collectors: both aggregators must answer before the install. Whichever is Active answers on
   * `activePort` (its web services); the standby runs no DA process (KB 106988), so every
   * aggregator, the standby included, must answer on `standbyPort` (its Consul server).
   */
  readonly waitFor?: {
    readonly aggregators: readonly { readonly address: string; readonly label: string }[];
    readonly activePort: number;
    readonly standbyPort: number;
    readonly seconds: number;
  };
  /**
   * Collectors: stop, then start the service (never restart: KB 233704) when an aggregator was
   * installed or upgraded after it started, or when it holds no connection to an aggregator on
   * every one of `ports` (a collector started before its aggregator hangs, and its service
   * status still says it runs).
   */
  readonly repair?: {
    readonly stopCommand: readonly string[];
    readonly startCommand: readonly string[];
    readonly ports: readonly number[];
    /** How long the repaired collector has to connect. */
    readonly connectSeconds: number;
    /** How long a collector that is not connected may still be connecting before it counts as hung. */
    readonly graceSeconds: number;
    readonly aggregators: readonly { readonly host: HostConfig; readonly installDirectory: string }[];
  };
};

/**
 * After installation, every TCP path answers and the gossip (UDP) holds all three servers. The
 * web services and the collectors' ports are checked on the aggregator that is Active (a standby
 * runs no DA process), and each collector holds its connections to it.
 */
export type PortsAction = {
  readonly kind: typeof PORTS_KIND;
  readonly description: string;
  readonly paths: readonly NetworkPath[];
  readonly servers: number;
  readonly aggregators: readonly AggregatorRef[];
  /** Ports only the Active aggregator serves (its web services, the collectors' ports): not checked on the standby. */
  readonly activeOnlyPorts: readonly number[];
  /** Each collector must hold an established connection to the Active aggregator on each of `ports`. */
  readonly collectors: { readonly hosts: readonly HostConfig[]; readonly ports: readonly number[] };
};

export interface AggregatorRef {
  readonly host: HostConfig;
  readonly installDirectory: string;
  /** The line `dadaemon status` is read from, `{state}` where the state word goes. */
  readonly statusLine: string;
  /** How an answer without that line is read (`aggregators.unreadableStatus`). */
  readonly unreadableStatus: 'unknown' | 'process';
  /** The karaf.log files, current and rotated: a glob relative to the install directory. */
  readonly readinessLogs: string;
}

/** One aggregator Active, the other Inactive, Consul healthy with three servers, readiness logged. */
export type HealthAction = {
  readonly kind: typeof HEALTH_KIND;
  readonly description: string;
  readonly aggregators: readonly AggregatorRef[];
  readonly servers: number;
  readonly timeoutSeconds: number;
};

export interface HttpsHostWork {
  readonly host: HostConfig;
  readonly files: readonly {
    readonly path: string;
    readonly localFile: string;
    readonly mode: string;
    readonly owner?: string;
    readonly group?: string;
  }[];
  readonly commands: readonly (readonly string[])[];
  /**
   * With commands: the construct's record of them (https-rules.ts), written like one of the files,
   * so that commands with no file of their own run once.
   */
  readonly record?: { readonly path: string; readonly content: string };
}

/** The user's HTTPS files and commands, then every endpoint answers TLS with a certificate naming it. */
export type HttpsAction = {
  readonly kind: typeof HTTPS_KIND;
  readonly description: string;
  readonly hosts: readonly HttpsHostWork[];
  readonly endpoints: readonly { readonly address: string; readonly port: number; readonly name: string }[];
  /** A PEM file on the machine that runs terraform: the chains must validate against it. */
  readonly caBundleFile?: string;
};

/** A failover and back, timed; refused while ActiveMQ would run twice on one KahaDB. */
export type DrillAction = {
  readonly kind: typeof DRILL_KIND;
  readonly description: string;
  readonly aggregators: readonly AggregatorRef[];
  readonly servers: number;
  readonly timeoutSeconds: number;
};

/**
 * The ordered, health-gated upgrade of a deployed site: the portal, the proxy, then the
 * aggregators one at a time (the Inactive one first, then a failover, then the old Active one).
 * Nothing to do on a fresh site; the install steps after it then find everything at its version.
 */
export type UpgradeAction = {
  readonly kind: typeof UPGRADE_KIND;
  readonly description: string;
  /** Upgraded in this order, before the aggregators: the portal (when there is one), the proxy. */
  readonly components: readonly { readonly host: HostConfig; readonly install: InstallAction }[];
  /** Both aggregators, the configured Active one first. */
  readonly aggregators: readonly AggregatorRef[];
  /** The aggregators' install (the same on both). */
  readonly aggregatorInstall: InstallAction;
  readonly maintenanceCommand: readonly string[];
  readonly activateCommand: readonly string[];
  readonly servers: number;
  /** The longest each health gate and each wait for a state lasts. */
  readonly timeoutSeconds: number;
  /**
   * The collectors' version: they upgrade in their own install steps, in batches; carried here so
   * that this step runs again whenever any version changes.
   */
  readonly collectorVersion?: string;
};

/** Every action kind FaultTolerantAggregator contributes. */
export type FaultTolerantAggregatorAction =
  | PreflightAction
  | DataRepositoryAction
  | InstallAction
  | PortsAction
  | HealthAction
  | HttpsAction
  | DrillAction
  | UpgradeAction;
