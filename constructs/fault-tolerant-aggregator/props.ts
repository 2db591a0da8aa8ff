import { acknowledgementsSchema, RuleAcknowledgement } from '../../src/rules';
import { z } from 'zod';
import {
  addressSchema,
  crossFieldRule,
  durationSecondsSchema,
  envVarNameSchema,
  EVEN_WITH_FIELD_ERRORS,
  hasControlCharacters,
  MAX_PATH_LENGTH,
  PATH_TOO_LONG,
  plainRecord,
  portSchema,
  posixNameSchema,
  posixPathSchema,
  declaredSchema,
} from '../../src/schema/common';
import { HostConfig, HostProps, hostSchema } from '../../src/schema/host';
import { isToken } from '../../src/schema/token';
import type { Step } from '../../src/step';
import {
  type NfsSharedDirProps,
  SHARED_DIRECTORY_PREFLIGHT,
  type SharedDirectoryPreflightAction,
} from '../nfs-shared-dir';
import {
  CONSUL_SERVER_PORT,
  DADAEMON,
  DEFAULT_INSTALL_DIRECTORY,
  DEFAULT_STATUS_LINE,
  DEFAULT_WEB_SERVICES_PORT,
  NetOpsComponent,
  STATE_PLACEHOLDER,
  VERTICA_DEFAULT_PORT,
} from './netops';

/**
 * The response-file properties whose values this construct owns, by the names your installer's
 * response file gives them (the vendor's keys are not public: record a response file once with
 * `-r` and read them there). Each is filled only when named.
 */
export interface InstallerKeys {
  /** Receives the shared directory's mount path, e.g. /DASharedRepo. @default not written */
  readonly sharedDirectoryMountPath?: string;
  /** Receives the proxy server's address. @default not written */
  readonly proxyHost?: string;
  /** Receives the active data aggregator's address. @default not written */
  readonly aggregatorHost?: string;
  /** Receives the inactive (failover) data aggregator's address. @default not written */
  readonly failoverHost?: string;
  /** Receives `databaseCredentials.user`. @default not written */
  readonly databaseUser?: string;
  /**
   * Receives the database password, read from `databaseCredentials.passwordEnv` at apply time and
   * written only into the response file in the run's private staging directory on the host, which
   * is removed after the installer ran.
   * @default not written
   */
  readonly databasePassword?: string;
  /** Receives the component's install directory. @default not written */
  readonly installDirectory?: string;
  /** Receives the data repository's address. @default not written */
  readonly dataRepositoryHost?: string;
  /** Receives the data repository's port. @default not written */
  readonly dataRepositoryPort?: string;
}

/** One InstallAnywhere installer, run unattended: `<path> -i silent -f <response file>`. */
export interface InstallerProps {
  /**
   * The installer on the host, e.g. /opt/installers/installDA.bin. Give this or `localFile`.
   * @default none: `localFile` is required instead
   */
  readonly path?: string;
  /**
   * An installer on the machine that runs terraform, uploaded for each install into that run's
   * private staging directory on the host (`mktemp -d`, mode 0700, removed after the run; never a
   * fixed shared path another user could make first), and run only when its SHA-256 there is the
   * one computed here. Give this or `path`.
   * @default none: `path` is required instead
   */
  readonly localFile?: string;
  /**
   * The version this installer installs. A component already installed at it is left alone; at
   * another version it is upgraded only with `allowUpgrade`.
   * @default not compared: an installed component is left alone whatever its version
   */
  readonly version?: string;
  /**
   * Run the installer over a component installed at another version than `version`.
   * @default false
   */
  readonly allowUpgrade?: boolean;
  /**
   * Where the component is installed; its presence means "installed".
   * @default /opt/IMDataAggregator, /opt/IMDataCollector, /opt/CA; required for the proxy (its default is not public)
   */
  readonly installDirectory?: string;
  /**
   * A command printing the installed version, for components installed before this construct
   * managed them. Without it, the version this construct recorded at its own install is used.
   * @default the recorded version
   */
  readonly versionCommand?: readonly string[];
  /** Your own response properties, written as given (never a password: see `keys.databasePassword`). @default {} */
  readonly properties?: Readonly<Record<string, string>>;
  /** The response properties this construct fills in. @default {} */
  readonly keys?: InstallerKeys;
  /**
   * Where InstallAnywhere unpacks itself (its IATEMPDIR).
   * @default "/tmp"
   */
  readonly unpackDirectory?: string;
  /**
   * The free space the preflight requires in `unpackDirectory`, in MiB. This construct's default,
   * not the vendor's figure: set your release's requirement.
   * @default 2048
   */
  readonly minimumFreeMiB?: number;
  /**
   * The longest the installer may run.
   * @default 3600
   */
  readonly timeoutSeconds?: number;
}

/** The shared directory as this construct creates it: an NfsSharedDir mounted on both aggregators. */
export type SharedDirectoryProps = Omit<NfsSharedDirProps, 'clients'>;

/** What the construct needs of a shared directory the user made (an `NfsSharedDir`). */
export interface SharedDirectoryLike {
  readonly mountPath: string;
  readonly nfsVersion: string;
  readonly ownerUid: number;
  readonly ownerGid: number;
  readonly steps: readonly Step[];
}

/** A file of the HTTPS procedure, copied from the machine that runs terraform (read at apply time). */
export interface HttpsFileProps {
  /** Where it goes on the host. */
  readonly path: string;
  /** The file on the machine that runs terraform (a key stays out of the synthesized stack). */
  readonly localFile: string;
  /** @default "0600" */
  readonly mode?: string;
  /** @default the login user */
  readonly owner?: string;
  /** @default the login user's group */
  readonly group?: string;
}

/** The HTTPS procedure on one kind of host: files, then commands, run when a file changed. */
export interface HttpsHostProps {
  /** @default [] */
  readonly files?: readonly HttpsFileProps[];
  /**
   * Each an argv, run in order on the host after one of its files changed, once on a host where
   * they have no file (and once more whenever they change), and again on the next deploy when a
   * run did not end with every command succeeded and every endpoint verified.
   * @default []
   */
  readonly commands?: readonly (readonly string[])[];
}

/** An endpoint that must answer over TLS with a certificate naming it. */
export interface HttpsEndpointProps {
  /** The address the proxy server reaches it at. */
  readonly address: string;
  readonly port: number;
  /** The DNS name or IP address the certificate must name (SNI and Subject Alternative Names). @default the address */
  readonly name?: string;
}

/**
 * Step 10, "Enable HTTPS for Fault-Tolerant Data Aggregators": the vendor page is not public, so the
 * files and commands are yours; the construct applies them last and checks every endpoint.
 */
export interface HttpsProps {
  /** @default nothing on the proxy */
  readonly proxy?: HttpsHostProps;
  /** Applied on both data aggregators. @default nothing on the aggregators */
  readonly aggregators?: HttpsHostProps;
  /** At least one endpoint to check, reached from the proxy server. */
  readonly endpoints: readonly HttpsEndpointProps[];
  /**
   * CA certificates (a PEM file on the machine that runs terraform) every endpoint's chain must
   * validate against. @default none: names and expiry are checked, the chain is not (the report
   * says so)
   */
  readonly caBundleFile?: string;
}

export interface FaultTolerantAggregatorProps {
  /**
   * Advice accepted, each rule by its id with why it does not apply here: its warning becomes a
   * note carrying the reason. @default none
   */
  readonly acknowledge?: readonly RuleAcknowledgement[];
  /** The data repository (Vertica), installed by its own procedure: verified, never installed. */
  readonly dataRepository: {
    readonly address: string;
    /** @default 5433 (Vertica's default client port) */
    readonly port?: number;
    /**
     * A command run on each aggregator that exits 0 when the credentials are accepted, e.g.
     * `['sh', '-c', 'VSQL_PASSWORD=$(cat) /opt/vertica/bin/vsql -h dr1 -U dauser -c "select 1"']`.
     * The password arrives on its standard input, never in its arguments.
     * @default only the port is checked
     */
    readonly checkCommand?: readonly string[];
  };
  /** One set of database credentials, so both aggregators use the same ones by construction. */
  readonly databaseCredentials: {
    readonly user: string;
    /** The environment variable holding the password on the machine that runs terraform. */
    readonly passwordEnv: string;
  };
  /**
   * The shared directory (ActiveMQ KahaDB, metric families, DTO files): its props, for an
   * NfsSharedDir this construct creates on both aggregators, or an NfsSharedDir of yours that
   * mounts it on both.
   */
  readonly sharedDirectory: SharedDirectoryProps | SharedDirectoryLike;
  readonly proxy: { readonly host: HostProps; readonly installer: InstallerProps };
  readonly aggregators: {
    /** Installed first: becomes Active. */
    readonly active: HostProps;
    /** Installed second: Inactive, the failover host of every collector. */
    readonly inactive: HostProps;
    readonly installer: InstallerProps;
    /**
     * Sets an aggregator to Maintenance during an upgrade: the Inactive one before its installer
     * runs, the Active one to fail over to the other (run on the aggregator's host; never a kill).
     * @default ["<install dir>/scripts/dadaemon", "maintenance"]
     */
    readonly maintenanceCommand?: readonly string[];
    /**
     * Makes an upgraded aggregator a failover candidate again (run on its host).
     * @default ["<install dir>/scripts/dadaemon", "activate"]
     */
    readonly activateCommand?: readonly string[];
    /**
     * The account the data aggregators write the shared directory as (which account the DA runs as
     * is not public). The preflight checks it on both aggregators: it exists with the same UID and
     * GID, and writes, locks and deletes a file in the share as this account. With root_squash (the
     * NFS default) root cannot write in a share owned by another UID.
     * @default the shared directory's owner (`sharedDirectory.owner.user`)
     */
    readonly shareAccount?: string;
    /** @default 8581 */
    readonly webServicesPort?: number;
    /**
     * The line `dadaemon status` prints, with `{state}` where the state word goes (Active, Inactive,
     * Maintenance or Failed). The vendor's text is not public: an answer with no such line (another
     * wording, systemd's `Active: active (running)`, nothing) is an unknown state, reported with
     * what was printed, never guessed. `"{state}"` reads a bare state word.
     * @default "Data Aggregator status: {state}" (this construct's default, not the vendor's)
     */
    readonly statusLine?: string;
    /**
     * How to read a `dadaemon status` answer that has no `statusLine` (a release that prints
     * nothing, or only systemd's view of the process). `"unknown"`: a problem, reported with what
     * was printed. `"process"`: when the service control answered (exit 0 or 3), a DA whose DA
     * process runs is Active and one that runs none is Inactive, since the standby runs no DA
     * process (KB 106988); it cannot tell a standby from a DA in Maintenance or stopped by hand,
     * which is why it is not the default.
     * @default "unknown"
     */
    readonly unreadableStatus?: 'unknown' | 'process';
    /**
     * The karaf.log files searched for the readiness line, current and rotated, as a glob relative
     * to the install directory (files ending in `.gz` are read decompressed). The vendor's rotation
     * names are not public; a line counts only when written after the DA process started.
     * @default "apache-karaf-*&#47;data/log/karaf.log*" (karaf.log, karaf.log.1, …)
     */
    readonly readinessLogs?: string;
  };
  /** @default no collectors */
  readonly dataCollectors?: {
    readonly hosts: readonly HostProps[];
    readonly installer: InstallerProps;
    /**
     * How many collectors install or upgrade at once: each batch starts once the one before it is
     * done (and its collectors verified), so most collectors keep collecting while a batch upgrades.
     * @default 1
     */
    readonly upgradeBatchSize?: number;
    /**
     * The ports each collector reaches on the aggregators (TCP): probed from every collector to
     * both aggregators in the preflight, and after installation each collector must hold an
     * established connection to the Active aggregator on every one of them. Collector data runs
     * over ActiveMQ; Broadcom's list of its ports is not public, so the default is the web
     * services port and Apache ActiveMQ's default OpenWire port. Add the ports your release
     * documents (a review reports 61618, 61620 and 61622 on Broadcom's ActiveMQ encryption page).
     * @default [8581, 61616]
     */
    readonly aggregatorPorts?: readonly number[];
    /**
     * The port a collector waits on, before it installs, for the aggregator that is not Active: the
     * standby runs no DA process (KB 106988), so it serves neither web services nor ActiveMQ; what
     * it does serve is its Consul server, on server RPC. Which endpoint the vendor's collector
     * checks on a standby is not public.
     * @default 8300
     */
    readonly standbyWaitPort?: number;
    /**
     * Stops the collector service. A collector started before its aggregators hangs; the repair
     * is stop, then start, never restart (KB 233704).
     * @default ["service", "dcmd", "stop"]
     */
    readonly stopCommand?: readonly string[];
    /**
     * Starts the collector service, after `stopCommand`.
     * @default ["service", "dcmd", "start"]
     */
    readonly startCommand?: readonly string[];
  };
  /** @default no portal */
  readonly portal?: { readonly host: HostProps; readonly installer: InstallerProps };
  /** @default no HTTPS step */
  readonly https?: HttpsProps;
  /**
   * After health: put the active aggregator in maintenance, time the switch, activate it, switch
   * back, and verify health again.
   * @default false
   */
  readonly drill?: boolean;
  /**
   * How long the health step waits for a healthy system (aggregators start slowly).
   * @default 900
   */
  readonly healthTimeoutSeconds?: number;
  /**
   * How long the drill waits for each switch.
   * @default 900
   */
  readonly drillTimeoutSeconds?: number;
}

const INSTALLER_KEYS = [
  'sharedDirectoryMountPath',
  'proxyHost',
  'aggregatorHost',
  'failoverHost',
  'databaseUser',
  'databasePassword',
  'installDirectory',
  'dataRepositoryHost',
  'dataRepositoryPort',
] as const;
export type InstallerKey = (typeof INSTALLER_KEYS)[number];

/** InstallAnywhere variables look like USER_INSTALL_DIR; anything else would need escapes to round-trip. */
const PROPERTY_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const PROPERTY_KEY_MESSAGE =
  'expected a response-file property name: letters, digits, "_", "." or "-", starting with a letter or "_"';
/** A value under such a key would be written into the synthesized stack. */
const SECRET_KEY = /pass(word|wd)?|pwd|secret|token|credential/i;

const propertyKeySchema = z
  .string({ error: PROPERTY_KEY_MESSAGE })
  .regex(PROPERTY_KEY, { error: PROPERTY_KEY_MESSAGE });

const argvSchema = z
  .array(
    z
      .string({ error: 'expected each argument as a string' })
      .refine((v) => !v.includes('\0'), { error: 'an argument cannot contain a NUL character' }),
    { error: 'expected a command as a list of arguments, such as ["service", "dcmd", "start"]' },
  )
  .min(1, { error: 'expected at least the program to run' });

const installerObject = z.strictObject({
  path: posixPathSchema.optional(),
  localFile: z
    .string({ error: 'expected the path of the installer on the machine that runs terraform' })
    .min(1, { error: 'expected the path of the installer on the machine that runs terraform' })
    .max(MAX_PATH_LENGTH, { error: PATH_TOO_LONG })
    .refine((v) => !hasControlCharacters(v), { error: 'a path may not contain control characters' })
    .optional(),
  version: z
    .string({ error: 'expected a version such as "24.3.0"' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, { error: 'expected a version such as "24.3.0"' })
    .optional(),
  allowUpgrade: z.boolean({ error: 'expected true or false' }).optional(),
  installDirectory: posixPathSchema
    .refine((v) => v !== '/' && !v.endsWith('/'), {
      error: 'expected a directory such as /opt/IMDataAggregator',
    })
    .optional(),
  versionCommand: argvSchema.optional(),
  properties: z
    .record(
      propertyKeySchema,
      z
        .string({ error: 'expected the property value as a string' })
        .refine((v) => !v.includes('\0'), { error: 'a property value cannot contain a NUL character' }),
      {
        error:
          'expected an object of response properties, such as { "USER_INSTALL_DIR": "/opt/IMDataAggregator" }',
      },
    )
    .optional(),
  keys: z
    .strictObject(
      Object.fromEntries(INSTALLER_KEYS.map((k) => [k, propertyKeySchema.optional()])) as Record<
        InstallerKey,
        z.ZodOptional<typeof propertyKeySchema>
      >,
      { error: `expected the names of the properties this construct fills in: ${INSTALLER_KEYS.join(', ')}` },
    )
    .optional(),
  unpackDirectory: posixPathSchema.optional(),
  minimumFreeMiB: z
    .number({ error: 'expected a number of MiB' })
    .int({ error: 'expected a whole number of MiB' })
    .min(0, { error: 'expected 0 or more MiB' })
    .optional(),
  timeoutSeconds: durationSecondsSchema.optional(),
});
type ParsedInstaller = z.output<typeof installerObject>;

const STATUS_LINE_MESSAGE = `expected the line dadaemon status prints, with ${STATE_PLACEHOLDER} once where the state word goes, such as "${DEFAULT_STATUS_LINE}"`;
const statusLineSchema = z
  .string({ error: STATUS_LINE_MESSAGE })
  .max(200, { error: 'expected at most 200 characters: one line of dadaemon status' })
  .refine((v) => v.split(STATE_PLACEHOLDER).length === 2, { error: STATUS_LINE_MESSAGE })
  .refine((v) => !hasControlCharacters(v), {
    error: 'expected one line, without control characters: each line of the answer is compared on its own',
  })
  .refine((v) => v === v.trim(), {
    error: 'remove the white space at either end: lines are compared without it',
  });

/** How a dadaemon status answer without the status line is read (see `aggregators.unreadableStatus`). */
export const UNREADABLE_STATUS_READINGS = ['unknown', 'process'] as const;
export type UnreadableStatusReading = (typeof UNREADABLE_STATUS_READINGS)[number];
/** karaf.log and its rotated files (karaf.log.1, …), relative to the install directory. */
export const DEFAULT_READINESS_LOGS = 'apache-karaf-*/data/log/karaf.log*';

const READINESS_LOGS_MESSAGE = `expected a glob of the karaf.log files relative to the install directory, such as "${DEFAULT_READINESS_LOGS}"`;
const readinessLogsSchema = z
  .string({ error: READINESS_LOGS_MESSAGE })
  .min(1, { error: READINESS_LOGS_MESSAGE })
  .max(MAX_PATH_LENGTH, { error: PATH_TOO_LONG })
  .refine((v) => !v.startsWith('/'), {
    error: `expected a path relative to the install directory, such as "${DEFAULT_READINESS_LOGS}"`,
  })
  .refine((v) => !hasControlCharacters(v) && !v.split('/').includes('..'), {
    error: 'expected a glob inside the install directory, without control characters or ".."',
  });

const linuxHostSchema = hostSchema.refine((h) => h?.os !== 'windows', {
  error: 'DX NetOps Performance Management runs on Linux: expected a Linux host (os: "linux")',
});

const httpsHostObject = z.strictObject({
  files: z
    .array(
      z.strictObject({
        path: posixPathSchema,
        localFile: z
          .string({ error: 'expected a file on the machine that runs terraform' })
          .min(1, { error: 'expected a file on the machine that runs terraform' })
          .max(MAX_PATH_LENGTH, { error: PATH_TOO_LONG })
          .refine((v) => !hasControlCharacters(v), { error: 'a path may not contain control characters' }),
        mode: z
          .string({ error: 'expected an octal mode such as "0600"' })
          .regex(/^0?[0-7]{3}$/, { error: 'expected an octal mode such as "0600"' })
          .optional(),
        owner: z
          .string()
          .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: 'expected a user name' })
          .optional(),
        group: z
          .string()
          .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: 'expected a group name' })
          .optional(),
      }),
    )
    .optional(),
  commands: z
    .array(argvSchema, { error: 'expected a list of commands, each a list of arguments' })
    .optional(),
});

const httpsObject = z.strictObject({
  proxy: httpsHostObject.optional(),
  aggregators: httpsHostObject.optional(),
  endpoints: z
    .array(
      z.strictObject({
        address: addressSchema,
        port: portSchema,
        name: addressSchema.optional(),
      }),
      { error: 'expected the endpoints to check: [{ address, port, name? }]' },
    )
    .min(1, { error: 'expected at least one endpoint to check over TLS' }),
  caBundleFile: z
    .string({ error: 'expected the path of a PEM file on the machine that runs terraform' })
    .min(1, { error: 'expected the path of a PEM file on the machine that runs terraform' })
    .max(MAX_PATH_LENGTH, { error: PATH_TOO_LONG })
    .refine((v) => !hasControlCharacters(v), { error: 'a path may not contain control characters' })
    .optional(),
});

const sharedDirectorySchema = z.custom<SharedDirectoryProps | SharedDirectoryLike>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  { error: 'expected the shared directory: NfsSharedDir props without clients, or an NfsSharedDir' },
);

/** Apache ActiveMQ's default OpenWire port: the collectors' data path unless the user lists others. */
const ACTIVEMQ_OPENWIRE_DEFAULT_PORT = 61616;

const aggregatorPortsSchema = z
  .array(portSchema, { error: 'expected a list of TCP port numbers' })
  .min(1, { error: 'expected at least one port a collector reaches the aggregators on' })
  .refine((ports) => new Set(ports).size === ports.length, {
    error: 'expected each port once: the list names a port twice',
  });

const ftaObject = z.strictObject({
  acknowledge: acknowledgementsSchema('NETOPS-NO-FAILOVER-HOST-KEY').optional(),
  dataRepository: z.strictObject({
    address: addressSchema,
    port: portSchema.optional(),
    checkCommand: argvSchema.optional(),
  }),
  databaseCredentials: z.strictObject({
    user: z
      .string({ error: 'expected the database user name' })
      .min(1, { error: 'expected the database user name' })
      .refine((v) => !hasControlCharacters(v), { error: 'a user name may not contain control characters' }),
    passwordEnv: envVarNameSchema,
  }),
  sharedDirectory: sharedDirectorySchema,
  proxy: z.strictObject({ host: linuxHostSchema, installer: installerObject }),
  aggregators: z.strictObject({
    active: linuxHostSchema,
    inactive: linuxHostSchema,
    installer: installerObject,
    maintenanceCommand: argvSchema.optional(),
    activateCommand: argvSchema.optional(),
    shareAccount: z
      .string({ error: 'expected the user name the aggregators run as, such as "dauser"' })
      .pipe(posixNameSchema)
      .optional(),
    webServicesPort: portSchema.optional(),
    statusLine: statusLineSchema.optional(),
    unreadableStatus: z
      .enum(UNREADABLE_STATUS_READINGS, {
        error: `expected one of ${UNREADABLE_STATUS_READINGS.map((r) => `"${r}"`).join(', ')}: how a dadaemon status answer without the status line is read`,
      })
      .optional(),
    readinessLogs: readinessLogsSchema.optional(),
  }),
  dataCollectors: z
    .strictObject({
      hosts: z.array(linuxHostSchema, { error: 'expected a list of hosts' }),
      installer: installerObject,
      upgradeBatchSize: z
        .number({ error: 'expected a number of collectors' })
        .int({ error: 'expected a whole number of collectors' })
        .min(1, { error: 'expected at least 1 collector per batch' })
        .optional(),
      aggregatorPorts: aggregatorPortsSchema.optional(),
      standbyWaitPort: portSchema.optional(),
      stopCommand: argvSchema.optional(),
      startCommand: argvSchema.optional(),
    })
    .optional(),
  portal: z.strictObject({ host: linuxHostSchema, installer: installerObject }).optional(),
  https: httpsObject.optional(),
  drill: z.boolean({ error: 'expected true or false' }).optional(),
  healthTimeoutSeconds: durationSecondsSchema.optional(),
  drillTimeoutSeconds: durationSecondsSchema.optional(),
});
type ParsedProps = z.output<typeof ftaObject>;

/** An installer after defaults, as the install action carries it. */
export interface InstallerConfig {
  readonly path?: string;
  readonly localFile?: string;
  readonly version?: string;
  readonly allowUpgrade: boolean;
  readonly installDirectory: string;
  readonly versionCommand?: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly keys: Partial<Record<InstallerKey, string>>;
  readonly unpackDirectory: string;
  readonly minimumFreeMiB: number;
  readonly timeoutSeconds: number;
}

export interface HttpsHostConfig {
  readonly files: readonly {
    path: string;
    localFile: string;
    mode: string;
    owner?: string;
    group?: string;
  }[];
  readonly commands: readonly (readonly string[])[];
}

/** The validated props with defaults, as plan() takes them. */
export interface FaultTolerantAggregatorConfig {
  /** The advice accepted (acknowledge), by rule id. */
  readonly acknowledge: readonly RuleAcknowledgement[];
  readonly dataRepository: {
    readonly address: string;
    readonly port: number;
    readonly checkCommand?: readonly string[];
  };
  readonly databaseCredentials: { readonly user: string; readonly passwordEnv: string };
  /** Kept as given: the class turns it into an NfsSharedDir (or adopts the one given). */
  readonly sharedDirectory: SharedDirectoryProps | SharedDirectoryLike;
  readonly proxy: { readonly host: HostConfig; readonly installer: InstallerConfig };
  readonly aggregators: {
    readonly active: HostConfig;
    readonly inactive: HostConfig;
    readonly installer: InstallerConfig;
    readonly maintenanceCommand: readonly string[];
    readonly activateCommand: readonly string[];
    /** The account the aggregators write the shared directory as; undefined when the owner's name is unknown. */
    readonly shareAccount?: string;
    readonly webServicesPort: number;
    readonly statusLine: string;
    readonly unreadableStatus: UnreadableStatusReading;
    readonly readinessLogs: string;
  };
  readonly dataCollectors: {
    readonly hosts: readonly HostConfig[];
    readonly installer?: InstallerConfig;
    readonly upgradeBatchSize: number;
    readonly aggregatorPorts: readonly number[];
    readonly standbyWaitPort: number;
    readonly stopCommand: readonly string[];
    readonly startCommand: readonly string[];
  };
  readonly portal?: { readonly host: HostConfig; readonly installer: InstallerConfig };
  readonly https?: {
    readonly proxy: HttpsHostConfig;
    readonly aggregators: HttpsHostConfig;
    readonly endpoints: readonly { address: string; port: number; name: string }[];
    readonly caBundleFile?: string;
  };
  readonly drill: boolean;
  readonly healthTimeoutSeconds: number;
  readonly drillTimeoutSeconds: number;
}

/** Is this an NfsSharedDir (or anything shaped like one) rather than props for one? */
export function isSharedDirectoryLike(value: unknown): value is SharedDirectoryLike {
  return typeof value === 'object' && value !== null && Array.isArray((value as SharedDirectoryLike).steps);
}

/** A shared directory's preflight action (it lists every client): run inside this construct's preflight. */
export function sharedDirectoryPreflight(
  share: SharedDirectoryLike,
): SharedDirectoryPreflightAction | undefined {
  return share.steps.find((s) => s.id === SHARED_DIRECTORY_PREFLIGHT)?.actions[0] as
    SharedDirectoryPreflightAction | undefined;
}

/** The addresses a shared directory is mounted on, from its preflight. */
export function sharedDirectoryClients(share: SharedDirectoryLike): string[] {
  return (sharedDirectoryPreflight(share)?.clients ?? []).map((c) => c.address);
}

type Issue = (path: PropertyKey[], message: string, input?: unknown) => void;

function installerIssues(
  installer: Partial<ParsedInstaller> | undefined,
  at: PropertyKey[],
  component: NetOpsComponent,
  issue: Issue,
): void {
  if (!installer || typeof installer !== 'object') return;
  if ((installer.path === undefined) === (installer.localFile === undefined)) {
    issue(
      [...at, 'path'],
      installer.path === undefined
        ? 'expected the installer: path (on the host, e.g. /opt/installers/installDA.bin) or localFile (uploaded)'
        : 'give either path or localFile, not both',
    );
  }
  if (component === 'proxy' && installer.installDirectory === undefined)
    issue(
      [...at, 'installDirectory'],
      "expected the proxy server's install directory: its default is not public, and its presence is how the construct knows the proxy is installed",
    );
  if (installer.allowUpgrade && installer.version === undefined)
    issue([...at, 'allowUpgrade'], 'allowUpgrade needs version: the version the installer installs', true);
  const keys = plainRecord(installer.keys) as Record<string, string | undefined>;
  const owners = new Map<string, string>();
  for (const [name, key] of Object.entries(keys)) {
    if (typeof key !== 'string') continue;
    const other = owners.get(key);
    if (other)
      issue(
        [...at, 'keys', name],
        `the property ${key} already receives keys.${other}; give each value its own property`,
        key,
      );
    owners.set(key, name);
  }
  const properties = plainRecord(installer.properties);
  for (const key of Object.keys(properties)) {
    const owner = owners.get(key);
    if (owner)
      issue(
        [...at, 'properties', key],
        `${key} is filled in by the construct (keys.${owner}); remove it from properties`,
        properties[key],
      );
    else if (SECRET_KEY.test(key))
      issue(
        [...at, 'properties', key],
        `a value here would be written into the synthesized stack; pass the password by reference: databaseCredentials.passwordEnv, and name this property in keys.databasePassword`,
        '(value hidden)',
      );
  }
}

function addCrossFieldIssues(props: ParsedProps, ctx: z.RefinementCtx): void {
  const issue: Issue = (path, message, input) => ctx.addIssue({ code: 'custom', path, input, message });
  installerIssues(props.proxy?.installer, ['proxy', 'installer'], 'proxy', issue);
  installerIssues(props.aggregators?.installer, ['aggregators', 'installer'], 'aggregator', issue);
  installerIssues(props.dataCollectors?.installer, ['dataCollectors', 'installer'], 'collector', issue);
  installerIssues(props.portal?.installer, ['portal', 'installer'], 'portal', issue);

  // The proxy is the tie-breaker of a three-server cluster: three distinct machines.
  const roles: [PropertyKey[], HostConfig | undefined][] = [
    [['proxy', 'host'], props.proxy?.host],
    [['aggregators', 'active'], props.aggregators?.active],
    [['aggregators', 'inactive'], props.aggregators?.inactive],
    ...(props.dataCollectors?.hosts ?? []).map((h, i): [PropertyKey[], HostConfig] => [
      ['dataCollectors', 'hosts', i],
      h,
    ]),
  ];
  // By address and by name: a name appears in step ids and messages, so it must say which host.
  const seen = new Map<string, string>();
  for (const [path, host] of roles) {
    if (typeof host?.address !== 'string' || isToken(host.address)) continue;
    const where = path.join('.').replace(/\.(\d+)/g, '[$1]');
    for (const key of [
      `address ${host.address}`,
      ...(typeof host.name === 'string' ? [`name ${host.name}`] : []),
    ]) {
      const first = seen.get(key);
      if (first) {
        issue(
          path,
          `the same host (${key}) as ${first}: the proxy, the two aggregators and each collector are separate servers (the proxy is the third vote of the cluster)`,
          host.address,
        );
        break;
      }
      seen.set(key, where);
    }
  }

  const share = props.sharedDirectory as unknown;
  if (isSharedDirectoryLike(share)) {
    const mounted = sharedDirectoryClients(share);
    for (const role of ['active', 'inactive'] as const) {
      const address = props.aggregators?.[role]?.address;
      if (typeof address === 'string' && !mounted.includes(address))
        issue(
          ['sharedDirectory'],
          `the NfsSharedDir given is not mounted on aggregators.${role} (${address}); add that host to its clients`,
          mounted,
        );
    }
  } else if (share && typeof share === 'object' && 'clients' in share) {
    issue(
      ['sharedDirectory', 'clients'],
      'leave clients out: the share is mounted on the two aggregators, by construction',
    );
  }
}

export const faultTolerantAggregatorSchema = declaredSchema<
  FaultTolerantAggregatorConfig,
  FaultTolerantAggregatorProps
>()(
  ftaObject
    .superRefine(crossFieldRule(addCrossFieldIssues), EVEN_WITH_FIELD_ERRORS)
    .transform(toFaultTolerantAggregatorConfig),
);

function toInstallerConfig(installer: ParsedInstaller, component: NetOpsComponent): InstallerConfig {
  return {
    ...(installer.path !== undefined ? { path: installer.path } : {}),
    ...(installer.localFile !== undefined ? { localFile: installer.localFile } : {}),
    ...(installer.version !== undefined ? { version: installer.version } : {}),
    allowUpgrade: installer.allowUpgrade ?? false,
    installDirectory: installer.installDirectory ?? DEFAULT_INSTALL_DIRECTORY[component]!,
    ...(installer.versionCommand ? { versionCommand: installer.versionCommand } : {}),
    properties: installer.properties ?? {},
    keys: installer.keys ?? {},
    unpackDirectory: installer.unpackDirectory ?? '/tmp',
    minimumFreeMiB: installer.minimumFreeMiB ?? 2048,
    timeoutSeconds: installer.timeoutSeconds ?? 3600,
  };
}

function toHttpsHostConfig(props: z.output<typeof httpsHostObject> | undefined): HttpsHostConfig {
  return {
    files: (props?.files ?? []).map((f) => ({ ...f, mode: (f.mode ?? '0600').padStart(4, '0') })),
    commands: props?.commands ?? [],
  };
}

/**
 * The upgrade's maintenance and activate commands: the vendor's documented service control,
 * `<install dir>/scripts/dadaemon maintenance|activate`, unless given.
 */
function dadaemonHooks(aggregators: ParsedProps['aggregators']): {
  maintenanceCommand: readonly string[];
  activateCommand: readonly string[];
} {
  const dadaemon = `${aggregators.installer.installDirectory ?? DEFAULT_INSTALL_DIRECTORY.aggregator!}/${DADAEMON}`;
  return {
    maintenanceCommand: aggregators.maintenanceCommand ?? [dadaemon, 'maintenance'],
    activateCommand: aggregators.activateCommand ?? [dadaemon, 'activate'],
  };
}

/** `aggregators.shareAccount`, by default the share's owner: from its props, or from the NfsSharedDir given. */
function shareAccountOf(props: ParsedProps): { shareAccount?: string } {
  if (props.aggregators.shareAccount !== undefined) return { shareAccount: props.aggregators.shareAccount };
  const share = props.sharedDirectory as unknown;
  const owner = isSharedDirectoryLike(share)
    ? sharedDirectoryPreflight(share)?.owner
    : (share as Partial<SharedDirectoryProps>).owner;
  return typeof owner?.user === 'string' ? { shareAccount: owner.user } : {};
}

/** Props to config: every default is applied here, and only here. */
function toFaultTolerantAggregatorConfig(props: ParsedProps): FaultTolerantAggregatorConfig {
  return {
    acknowledge: props.acknowledge ?? [],
    dataRepository: {
      address: props.dataRepository.address,
      port: props.dataRepository.port ?? VERTICA_DEFAULT_PORT,
      ...(props.dataRepository.checkCommand ? { checkCommand: props.dataRepository.checkCommand } : {}),
    },
    databaseCredentials: props.databaseCredentials,
    sharedDirectory: props.sharedDirectory,
    proxy: { host: props.proxy.host, installer: toInstallerConfig(props.proxy.installer, 'proxy') },
    aggregators: {
      active: props.aggregators.active,
      inactive: props.aggregators.inactive,
      installer: toInstallerConfig(props.aggregators.installer, 'aggregator'),
      ...dadaemonHooks(props.aggregators),
      ...shareAccountOf(props),
      webServicesPort: props.aggregators.webServicesPort ?? DEFAULT_WEB_SERVICES_PORT,
      statusLine: props.aggregators.statusLine ?? DEFAULT_STATUS_LINE,
      unreadableStatus: props.aggregators.unreadableStatus ?? 'unknown',
      readinessLogs: props.aggregators.readinessLogs ?? DEFAULT_READINESS_LOGS,
    },
    dataCollectors: {
      hosts: props.dataCollectors?.hosts ?? [],
      upgradeBatchSize: props.dataCollectors?.upgradeBatchSize ?? 1,
      ...(props.dataCollectors
        ? { installer: toInstallerConfig(props.dataCollectors.installer, 'collector') }
        : {}),
      aggregatorPorts: props.dataCollectors?.aggregatorPorts ?? [
        DEFAULT_WEB_SERVICES_PORT,
        ACTIVEMQ_OPENWIRE_DEFAULT_PORT,
      ],
      standbyWaitPort: props.dataCollectors?.standbyWaitPort ?? CONSUL_SERVER_PORT,
      stopCommand: props.dataCollectors?.stopCommand ?? ['service', 'dcmd', 'stop'],
      startCommand: props.dataCollectors?.startCommand ?? ['service', 'dcmd', 'start'],
    },
    ...(props.portal
      ? {
          portal: { host: props.portal.host, installer: toInstallerConfig(props.portal.installer, 'portal') },
        }
      : {}),
    ...(props.https
      ? {
          https: {
            proxy: toHttpsHostConfig(props.https.proxy),
            aggregators: toHttpsHostConfig(props.https.aggregators),
            endpoints: props.https.endpoints.map((e) => ({ ...e, name: e.name ?? e.address })),
            ...(props.https.caBundleFile !== undefined ? { caBundleFile: props.https.caBundleFile } : {}),
          },
        }
      : {}),
    drill: props.drill ?? false,
    healthTimeoutSeconds: props.healthTimeoutSeconds ?? 900,
    drillTimeoutSeconds: props.drillTimeoutSeconds ?? 900,
  };
}
