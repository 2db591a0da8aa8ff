import { acknowledgementsSchema, RuleAcknowledgement } from '../../src/rules';
import { z } from 'zod';
import {
  crossFieldRule,
  envVarNameSchema,
  EVEN_WITH_FIELD_ERRORS,
  hasControlCharacters,
  isHostname,
  isIpv4,
  issuesSoFar,
  MAX_PATH_LENGTH,
  declaredSchema,
} from '../../src/schema/common';
import { HostConfig, HostProps, hostSchema } from '../../src/schema/host';
import { isToken } from '../../src/schema/token';
import { cassandraPreflightPartProblems } from '../cassandra-two-node';
import { DEFAULT_PACKET_CAPTURE_FILES, DEFAULT_TASKBAR_UTILITY } from './commands';
import { DataMinerVersion, parseDataMinerVersion } from './versions';

/** One agent of the pair. */
export interface DataMinerAgentProps {
  /** The Windows server (`os: "windows"`), reached through Windows OpenSSH. */
  readonly host: HostProps;
  /**
   * Where DataMiner is installed.
   * @default "C:\\Skyline DataMiner"
   */
  readonly installDir?: string;
  /**
   * The Skyline Taskbar Utility, the documented way to stop and start DataMiner
   * (`start /wait SLTaskbarUtility.exe -stop|-start`).
   * @default "C:\\Program Files (x86)\\Skyline Communications\\Skyline Taskbar Utility\\SLTaskbarUtility.exe"
   */
  readonly taskbarUtility?: string;
}

/** Legacy MySQL/MSSQL: DataMiner synchronizes itself; legacy, unsupported from 10.3. */
export interface LegacySqlStorage {
  readonly type: 'legacy-sql';
}

/** One Cassandra per agent, which DataMiner joins into one cluster itself. */
export interface CassandraPerAgentStorage {
  readonly type: 'cassandra-per-agent';
  /**
   * Indexing (OpenSearch/Elasticsearch) per agent as well: recommended against for Failover (one
   * node down can make all indexed data unavailable). Needs `acknowledgeIndexingNotRecommended`.
   * @default false
   */
  readonly indexing?: boolean;
  /** @default false */
  readonly acknowledgeIndexingNotRecommended?: boolean;
  /**
   * Cassandra internode traffic over TLS (port 7001 instead of 7000).
   * @default false
   */
  readonly tls?: boolean;
}

/** Dedicated clustered storage: both agents use the same Cassandra and search clusters. */
export interface DedicatedClusteredStorage {
  readonly type: 'dedicated-clustered';
  /** The Cassandra cluster's nodes, as the agents reach them. */
  readonly cassandraHosts: readonly string[];
  /** The search (OpenSearch/Elasticsearch) cluster's nodes. */
  readonly searchHosts: readonly string[];
  /**
   * TLS to Cassandra (still on port 9042: DataMiner does not use a separate TLS port); the
   * certificates must be on the backup too.
   * @default false
   */
  readonly tls?: boolean;
  /**
   * The environment variable holding each database's plain-text password, by the `ID` of its
   * `<DataBase>` in the primary's DB.xml, or by its `type` for one without an ID. Each database has
   * its own `<UID>`/`<PWD>`, and an encrypted `<PWD>` decrypts only on the agent that wrote it, so
   * the backup's DB.xml gets each plain text, which DataMiner encrypts at startup. An empty `<PWD/>`
   * stays empty.
   * @default none
   */
  readonly passwordEnvs?: Readonly<Record<string, string>>;
  /**
   * The environment variable holding the password of the only database that has one. With several,
   * name each in `passwordEnvs`: preflight refuses, naming them.
   * @default none
   */
  readonly passwordEnv?: string;
  /**
   * The backup's own `priorityOrder` per search database `ID` (multiple search clusters), e.g. to
   * read from the other cluster after a switch.
   * @default the primary's
   */
  readonly backupPriorityOrder?: Readonly<Record<string, number>>;
}

/** Storage as a Service: the vendor's recommended architecture; nothing to prepare on the agents. */
export interface StorageAsAServiceStorage {
  readonly type: 'storage-as-a-service';
}

export type DataMinerStorageProps =
  LegacySqlStorage | CassandraPerAgentStorage | DedicatedClusteredStorage | StorageAsAServiceStorage;

/** A rule that only advises, acknowledged with the reason it does not apply here (as cdk-nag suppressions). */
export type { RuleAcknowledgement } from '../../src/rules';

export interface DataMinerSystemProps {
  /**
   * What every agent of this DMS runs, as people write it: `10.3.0 [CU9]`, `10.3.0 CU9`,
   * `10.2.0.0-11897-CU21`, `10.3.12`, `10.4.2.0-13691`, `10.5.4.0-15588-20250319-release`. Declared
   * for the synth-time rules; verified on every agent at apply.
   */
  readonly version: string;
  /**
   * Advice this DMS knowingly does not follow.
   * @default []
   */
  readonly acknowledge?: readonly RuleAcknowledgement[];
}

/** The DMS as a pair sees it: its version and the pairs that declared themselves in it. */
export interface DataMinerSystemLike {
  readonly version: DataMinerVersion;
}

export interface DataMinerFailoverPairProps {
  /** The DMS this pair belongs to (its version and cross-pair rules). Give this or `version`. */
  readonly system?: DataMinerSystemLike;
  /** The version, when the pair stands alone. @default the system's */
  readonly version?: string;
  /** The agent that stays as it is: read, never stopped or written. */
  readonly primary: DataMinerAgentProps;
  /** The newly installed agent this construct prepares. */
  readonly backup: DataMinerAgentProps;
  /**
   * One virtual IP per network interface in use, corporate first, then acquisition. Give this or
   * `sharedHostname`.
   */
  readonly virtualIps?: readonly string[];
  /** A DNS name resolving to both agents' primary IPs (from 10.2.0/10.1.8). Give this or `virtualIps`. */
  readonly sharedHostname?: string;
  /**
   * Virtual IP pairs need Npcap (or WinPcap) on both agents: any one of these files present on an
   * agent shows it is installed.
   * @default ["C:\\Windows\\System32\\Npcap\\wpcap.dll", "C:\\Windows\\System32\\wpcap.dll"]
   */
  readonly packetCaptureFiles?: readonly string[];
  readonly storage: DataMinerStorageProps;
  /**
   * After Failover is switched on in Cube: verify both DMS.xml name the same Failover and exactly one
   * agent is online holding the virtual IPs.
   * @default false
   */
  readonly expectFailoverEnabled?: boolean;
  /**
   * When the primary's DMS.xml has `<Redirects>` with a user: the environment variable holding that
   * DataMiner user's password, for the backup's redirect to the primary (written in plain text;
   * DataMiner encrypts it when it first reads it). Preflight asks for it only when needed.
   */
  readonly redirectPasswordEnv?: string;
  /**
   * With expectFailoverEnabled: a DataMiner user for the Web Services, whose documented
   * GetDataMinerAgentsInfo is read on both agents through their SSH connection (one agent Running,
   * both IsFailOver). Without it, only DMS.xml and the virtual IPs are checked.
   */
  readonly webServices?: WebServicesProps;
  /**
   * Advice accepted for this pair, by rule id with why it does not apply here: the system's rules
   * (as on the DataMinerSystem, for this pair only) and HOST-UNPINNED-KEY. @default none
   */
  readonly acknowledge?: readonly RuleAcknowledgement[];
}

/** A DataMiner user for the Web Services (v1); the password is referenced, never embedded. */
export interface WebServicesProps {
  readonly login: string;
  /** The environment variable holding the user's password. */
  readonly passwordEnv: string;
}

export const DEFAULT_INSTALL_DIR = 'C:\\Skyline DataMiner';

/**
 * A Windows path: drive, backslashes, none of the characters Windows forbids. Each backslash
 * follows a name, so the pattern never backtracks (`(?:name+\\?)*` took seconds on 30 characters).
 */
// eslint-disable-next-line no-control-regex -- control characters are what Windows forbids in names
const WINDOWS_PATH = /^[A-Za-z]:\\(?:[^<>:"/\\|?*\0-\x1f]+(?:\\[^<>:"/\\|?*\0-\x1f]+)*\\?)?$/;

const versionSchema = z
  .string({ error: 'expected a DataMiner version such as "10.3.0 [CU9]" or "10.4.2.0-13691"' })
  .refine((v) => parseDataMinerVersion(v) !== undefined, {
    error:
      'expected a DataMiner version as the docs or VersionHistory.txt write it: "10.3.0 [CU9]", "10.3.0 CU9", "10.2.0.0-11897-CU21", "10.3.12", "10.4.2.0-13691", "10.5.4.0-15588-20250319-release"',
  });

const windowsHostSchema = hostSchema.refine((h) => h?.os === 'windows', {
  error: 'DataMiner agents run Windows: set os: "windows" on the host',
});

const agentSchema = z.strictObject({
  host: windowsHostSchema,
  installDir: z
    .string({ error: 'expected a Windows folder such as "C:\\Skyline DataMiner"' })
    .max(MAX_PATH_LENGTH, { error: `expected a folder of at most ${MAX_PATH_LENGTH} characters` })
    .refine((v) => WINDOWS_PATH.test(v) && !v.endsWith('\\'), {
      error: 'expected a Windows folder such as "C:\\Skyline DataMiner", without a trailing backslash',
    })
    .optional(),
  taskbarUtility: z
    .string({ error: 'expected the path of SLTaskbarUtility.exe' })
    .max(MAX_PATH_LENGTH, { error: `expected a path of at most ${MAX_PATH_LENGTH} characters` })
    .refine((v) => WINDOWS_PATH.test(v) && /\.exe$/i.test(v), {
      error:
        'expected the full Windows path of SLTaskbarUtility.exe, such as "C:\\Program Files (x86)\\Skyline Communications\\Skyline Taskbar Utility\\SLTaskbarUtility.exe"',
    })
    .optional(),
});

const ipv4Schema = z
  .string({ error: 'expected an IPv4 address such as 10.0.0.50' })
  .refine((v) => isToken(v) || isIpv4(v), {
    error: 'expected an IPv4 address such as 10.0.0.50',
  });

const hostListSchema = z
  .array(
    z.string().refine((v) => isToken(v) || isIpv4(v) || isHostname(v), {
      error: 'expected an IPv4 address or a DNS name',
    }),
    { error: 'expected a list of hosts' },
  )
  .min(1, { error: 'expected at least one host' });

const storageSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('legacy-sql') }),
    z.strictObject({
      type: z.literal('cassandra-per-agent'),
      indexing: z.boolean({ error: 'expected true or false' }).optional(),
      acknowledgeIndexingNotRecommended: z.boolean({ error: 'expected true or false' }).optional(),
      tls: z.boolean({ error: 'expected true or false' }).optional(),
    }),
    z.strictObject({
      type: z.literal('dedicated-clustered'),
      cassandraHosts: hostListSchema,
      searchHosts: hostListSchema,
      tls: z.boolean({ error: 'expected true or false' }).optional(),
      passwordEnv: envVarNameSchema.optional(),
      passwordEnvs: z
        .record(
          z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected a database ID or type' }),
          envVarNameSchema,
        )
        .optional(),
      backupPriorityOrder: z
        .record(
          z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected a search database ID' }),
          z.number().int({ error: 'expected a whole number' }).min(0, { error: 'expected 0 or more' }),
        )
        .optional(),
    }),
    z.strictObject({ type: z.literal('storage-as-a-service') }),
  ],
  {
    error:
      'expected storage: { type: "legacy-sql" | "cassandra-per-agent" | "dedicated-clustered" | "storage-as-a-service", ... }',
  },
);

const systemLikeSchema = z.custom<DataMinerSystemLike>(
  (v) => typeof v === 'object' && v !== null && typeof (v as DataMinerSystemLike).version?.major === 'number',
  { error: 'expected a DataMinerSystem' },
);

const pairObject = z.strictObject({
  system: systemLikeSchema.optional(),
  version: versionSchema.optional(),
  primary: agentSchema,
  backup: agentSchema,
  virtualIps: z.array(ipv4Schema, { error: 'expected a list of IPv4 addresses' }).optional(),
  sharedHostname: z
    .string({ error: 'expected a DNS name such as dms-pair.example.com' })
    .refine((v) => isToken(v) || (isHostname(v) && v.includes('.')), {
      error: 'expected a fully qualified DNS name such as dms-pair.example.com',
    })
    .optional(),
  packetCaptureFiles: z
    .array(
      z.string().refine((v) => WINDOWS_PATH.test(v), {
        error: 'expected a full Windows path such as C:\\Windows\\System32\\Npcap\\wpcap.dll',
      }),
      { error: 'expected a list of Windows file paths' },
    )
    .min(1, { error: 'expected at least one file' })
    .optional(),
  storage: storageSchema,
  expectFailoverEnabled: z.boolean({ error: 'expected true or false' }).optional(),
  redirectPasswordEnv: envVarNameSchema.optional(),
  acknowledge: acknowledgementsSchema('DMS-LEGACY-SQL').optional(),
  webServices: z
    .strictObject(
      {
        login: z
          .string({ error: 'expected the DataMiner user name' })
          .min(1, { error: 'expected the DataMiner user name' })
          .refine((v) => !hasControlCharacters(v), {
            error: 'expected a user name without control characters',
          }),
        passwordEnv: envVarNameSchema,
      },
      { error: 'expected { login, passwordEnv }' },
    )
    .optional(),
});
type ParsedPair = z.output<typeof pairObject>;

export type StorageConfig =
  | { readonly type: 'legacy-sql' }
  | { readonly type: 'cassandra-per-agent'; readonly indexing: boolean; readonly tls: boolean }
  | {
      readonly type: 'dedicated-clustered';
      readonly cassandraHosts: readonly string[];
      readonly searchHosts: readonly string[];
      readonly tls: boolean;
      readonly passwordEnv?: string;
      readonly passwordEnvs: Readonly<Record<string, string>>;
      readonly backupPriorityOrder: Readonly<Record<string, number>>;
    }
  | { readonly type: 'storage-as-a-service' };

export interface AgentConfig {
  readonly host: HostConfig;
  readonly installDir: string;
  readonly taskbarUtility: string;
}

export type AddressingConfig =
  | {
      readonly kind: 'virtual-ip';
      readonly virtualIps: readonly string[];
      /** Npcap's (or WinPcap's) files; any one present shows it installed. */
      readonly packetCaptureFiles: readonly string[];
    }
  | { readonly kind: 'hostname'; readonly sharedHostname: string };

/** The validated props with defaults, as plan() takes them. */
export interface DataMinerFailoverPairConfig {
  readonly version: DataMinerVersion;
  readonly primary: AgentConfig;
  readonly backup: AgentConfig;
  readonly addressing: AddressingConfig;
  readonly storage: StorageConfig;
  readonly expectFailoverEnabled: boolean;
  readonly redirectPasswordEnv?: string;
  readonly webServices?: WebServicesProps;
  /** The advice accepted for this pair (acknowledge), by rule id. */
  readonly acknowledge: readonly RuleAcknowledgement[];
  /** Indexing per agent was acknowledged as not recommended: a warning, not an error. */
  readonly indexingAcknowledged: boolean;
}

function addCrossFieldIssues(props: ParsedPair, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], message: string, input?: unknown) =>
    ctx.addIssue({ code: 'custom', path, input, message });
  if ((props.system === undefined) === (props.version === undefined))
    issue(
      ['version'],
      props.system === undefined
        ? 'expected system (a DataMinerSystem) or version (when the pair stands alone)'
        : "give system or version, not both: the version is the system's",
      props.version,
    );
  const vips = props.virtualIps;
  if ((vips === undefined) === (props.sharedHostname === undefined))
    issue(
      ['virtualIps'],
      vips === undefined
        ? 'expected virtualIps (one per network interface in use) or sharedHostname'
        : 'give virtualIps or sharedHostname, not both',
      vips,
    );
  if (Array.isArray(vips)) {
    if (vips.length < 1 || vips.length > 2)
      issue(
        ['virtualIps'],
        'expected 1 or 2 virtual IPs: one per network interface in use (corporate first, then acquisition)',
        vips,
      );
    vips.forEach((vip, i) => {
      if (vips.indexOf(vip) !== i)
        issue(['virtualIps', i], `${vip} is given twice; each interface needs its own virtual IP`, vip);
      for (const role of ['primary', 'backup'] as const)
        if (props[role]?.host?.address === vip)
          issue(
            ['virtualIps', i],
            `${vip} is the ${role} agent's own address; a virtual IP must be an address reserved for the pair`,
            vip,
          );
    });
  }
  if (props.webServices !== undefined && props.expectFailoverEnabled !== true)
    issue(
      ['webServices'],
      'the Web Services are read only once Failover is on: set expectFailoverEnabled: true too, or leave webServices out',
      props.webServices.login,
    );
  const [a, b] = [props.primary?.host?.address, props.backup?.host?.address];
  if (typeof a === 'string' && a === b && !isToken(a))
    issue(
      ['backup', 'host', 'address'],
      'the backup is the same host as the primary; a Failover pair is two agents',
      b,
    );
  cassandraPerAgentIssues(props, ctx, issue);
  // Indexing per agent is the rule DMS-INDEXING-PER-AGENT (system-rules.ts), applied once.
}

/**
 * Per-agent Cassandra runs CassandraTwoNode's preflight on the two agents, listening on their
 * addresses: that part's rules, reported on this pair's own props (the pair has no listenAddress),
 * once the agents and the storage are valid on their own.
 */
function cassandraPerAgentIssues(
  props: ParsedPair,
  ctx: z.RefinementCtx,
  issue: (path: PropertyKey[], message: string, input?: unknown) => void,
): void {
  const storage = props.storage as Partial<CassandraPerAgentStorage> | undefined;
  if (storage?.type !== 'cassandra-per-agent') return;
  if (
    issuesSoFar(ctx as z.RefinementCtx<never>).some((i) =>
      ['primary', 'backup', 'storage'].includes(String(i.path[0])),
    )
  )
    return;
  const roles = ['primary', 'backup'] as const;
  const problems = cassandraPreflightPartProblems({
    hosts: [props.primary.host, props.backup.host],
    platform: 'windows-dataminer',
    internodeTls: storage.tls ?? false,
  });
  for (const p of problems)
    issue(
      p.node === undefined ? ['storage'] : [roles[p.node], 'host', ...p.hostPath],
      `with storage "cassandra-per-agent": ${p.message}`,
      p.input,
    );
}

function agentConfig(agent: ParsedPair['primary']): AgentConfig {
  return {
    host: agent.host,
    installDir: agent.installDir ?? DEFAULT_INSTALL_DIR,
    taskbarUtility: agent.taskbarUtility ?? DEFAULT_TASKBAR_UTILITY,
  };
}

export const dataMinerFailoverPairSchema = declaredSchema<
  DataMinerFailoverPairConfig,
  DataMinerFailoverPairProps
>()(
  pairObject.superRefine(crossFieldRule(addCrossFieldIssues), EVEN_WITH_FIELD_ERRORS).transform(toPairConfig),
);

function toStorageConfig(storage: ParsedPair['storage']): StorageConfig {
  switch (storage.type) {
    case 'cassandra-per-agent':
      return { type: storage.type, indexing: storage.indexing ?? false, tls: storage.tls ?? false };
    case 'dedicated-clustered':
      return {
        type: storage.type,
        cassandraHosts: storage.cassandraHosts,
        searchHosts: storage.searchHosts,
        tls: storage.tls ?? false,
        ...(storage.passwordEnv ? { passwordEnv: storage.passwordEnv } : {}),
        passwordEnvs: storage.passwordEnvs ?? {},
        backupPriorityOrder: storage.backupPriorityOrder ?? {},
      };
    default:
      return { type: storage.type };
  }
}

/** Props to config: every default is applied here, and only here. */
function toPairConfig(props: ParsedPair): DataMinerFailoverPairConfig {
  return {
    version: props.system?.version ?? parseDataMinerVersion(props.version!)!,
    primary: agentConfig(props.primary),
    backup: agentConfig(props.backup),
    addressing: props.virtualIps
      ? {
          kind: 'virtual-ip',
          virtualIps: props.virtualIps,
          packetCaptureFiles: props.packetCaptureFiles ?? DEFAULT_PACKET_CAPTURE_FILES,
        }
      : { kind: 'hostname', sharedHostname: props.sharedHostname! },
    storage: toStorageConfig(props.storage),
    expectFailoverEnabled: props.expectFailoverEnabled ?? false,
    ...(props.redirectPasswordEnv ? { redirectPasswordEnv: props.redirectPasswordEnv } : {}),
    ...(props.webServices ? { webServices: props.webServices } : {}),
    acknowledge: props.acknowledge ?? [],
    indexingAcknowledged:
      props.storage.type === 'cassandra-per-agent' &&
      (props.storage.acknowledgeIndexingNotRecommended ?? false),
  };
}

export const dataMinerSystemSchema = z.strictObject({
  version: versionSchema,
  acknowledge: acknowledgementsSchema('DMS-MIXED-ADDRESSING').optional(),
});
