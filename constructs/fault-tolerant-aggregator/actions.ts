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
  readonly sharedDirectory?: SharedDirectoryPreflightAction;
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
  /** Collectors: endpoints of which one must answer before the install (the active aggregator's web services). */
  readonly waitFor?: readonly { readonly address: string; readonly port: number; readonly label: string }[];
  readonly waitSeconds?: number;
  /**
   * Collectors: restart the service when an aggregator was installed or upgraded after it started
   * (a collector started before its aggregator can hang).
   */
  readonly restartAfter?: {
    readonly command: readonly string[];
    readonly aggregators: readonly { readonly host: HostConfig; readonly installDirectory: string }[];
  };
};

/**
 * After installation, every TCP path answers and the gossip (UDP) holds all three servers. The
 * web services are checked on the aggregator that is Active (a standby need not serve them).
 */
export type PortsAction = {
  readonly kind: typeof PORTS_KIND;
  readonly description: string;
  readonly paths: readonly NetworkPath[];
  readonly servers: number;
  readonly aggregators: readonly AggregatorRef[];
  readonly webServicesPort: number;
};

export interface AggregatorRef {
  readonly host: HostConfig;
  readonly installDirectory: string;
  /** The line `dadaemon status` is read from, `{state}` where the state word goes. */
  readonly statusLine: string;
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

/** Every action kind FaultTolerantAggregator contributes. */
export type FaultTolerantAggregatorAction =
  | PreflightAction
  | DataRepositoryAction
  | InstallAction
  | PortsAction
  | HealthAction
  | HttpsAction
  | DrillAction;
