import { acknowledgementsSchema, RuleAcknowledgement } from '../../src/rules';
import { z } from 'zod';
import {
  durationSecondsSchema,
  crossFieldRule,
  EVEN_WITH_FIELD_ERRORS,
  hasControlCharacters,
  ipAddressSchema,
  isIpv4,
  isIpv6,
  MAX_PATH_LENGTH,
  PATH_TOO_LONG,
  declaredSchema,
} from '../../src/schema/common';
import { HostConfig, hostLabel, HostProps, hostSchema } from '../../src/schema/host';
import { isToken } from '../../src/schema/token';
import { isReleaseVersion } from './parse';

/** One Cassandra node of the pair. */
export interface CassandraNodeProps {
  /** The server the node runs on. */
  readonly host: HostProps;
  /**
   * `listen_address`: the IP the node talks to the other node on (storage port).
   * @default the host's address (which must then be an IP address)
   */
  readonly listenAddress?: string;
  /**
   * `rpc_address`: the IP clients connect to (CQL port). `0.0.0.0` needs `broadcastRpcAddress`.
   * @default the listen address
   */
  readonly rpcAddress?: string;
  /**
   * `broadcast_rpc_address`: the IP announced to clients when `rpcAddress` is a wildcard.
   * @default not set (required when rpcAddress is 0.0.0.0 or ::)
   */
  readonly broadcastRpcAddress?: string;
}

/**
 * `linux`: package installs (`/etc/cassandra/cassandra.yaml`, systemd service `cassandra`).
 * `windows-dataminer`: the Cassandra of a DataMiner agent (`C:\Program Files\Cassandra`, Windows service `cassandra`).
 */
export type CassandraPlatform = 'linux' | 'windows-dataminer';

/**
 * `configure`: we own the keys that form the cluster and roll restarts one node at a time.
 * `verify`: preflight checks, then the cluster must be healthy; no file is changed.
 * `preflight`: the preflight checks only (a pair that DataMiner will join later); no file is changed.
 */
export type CassandraMode = 'configure' | 'verify' | 'preflight';

/** Which traffic is encrypted: it decides the ports the checks test. */
export interface CassandraTlsProps {
  /**
   * Internode traffic uses `ssl_storage_port` 7001 instead of `storage_port` 7000.
   * @default false
   */
  readonly internode?: boolean;
  /**
   * Clients use `native_transport_port_ssl` 9142 instead of `native_transport_port` 9042.
   * @default false
   */
  readonly client?: boolean;
}

export interface CassandraTwoNodeProps {
  /**
   * Advice accepted, each rule by its id with why it does not apply here: its warning becomes a
   * note carrying the reason. @default none
   */
  readonly acknowledge?: readonly RuleAcknowledgement[];
  /** Exactly two nodes. The first is configured and restarted first. */
  readonly nodes: readonly CassandraNodeProps[];
  /**
   * Decides the default file locations, tools and service name.
   * @default "windows-dataminer" when the hosts have os "windows", otherwise "linux"
   */
  readonly platform?: CassandraPlatform;
  /**
   * What the construct may do. `configure` is rejected on `windows-dataminer`: DataMiner forms
   * that cluster itself when Failover is switched on.
   * @default "configure" on linux, "verify" on windows-dataminer
   */
  readonly mode?: CassandraMode;
  /**
   * `cluster_name`, identical on both nodes. Required in `configure` mode; in the other modes, when
   * given, both nodes must report it.
   * @default none: in verify and preflight modes the nodes must only agree with each other
   */
  readonly clusterName?: string;
  /**
   * `seed_provider[0].parameters[0].seeds`: the same list on both nodes, each one of the two listen addresses.
   * @default both listen addresses
   */
  readonly seeds?: readonly string[];
  /**
   * `endpoint_snitch`.
   * @default "GossipingPropertyFileSnitch"
   */
  readonly endpointSnitch?: string;
  /**
   * `num_tokens`. Cannot change after a node bootstrapped: a node that holds data and has another
   * value fails preflight.
   * @default not managed (the file's value stays)
   */
  readonly numTokens?: number;
  /**
   * Which traffic is encrypted (the certificates are configured outside this construct).
   * @default { internode: false, client: false }
   */
  readonly tls?: CassandraTlsProps;
  /**
   * The release both nodes must run, as `nodetool version` prints it ("3.11.4").
   * @default none: the two nodes must only agree
   */
  readonly expectedReleaseVersion?: string;
  /**
   * How the ports between the nodes get open. Only "assume-open": the ports are opened outside
   * this construct, and preflight tests them from each node to the other.
   * @default "assume-open"
   */
  readonly firewall?: 'assume-open';
  /**
   * Names (host name, or address when unnamed) of nodes whose data may be set aside when the
   * cluster name they stored differs from `clusterName`. The data directory is moved to a
   * timestamped folder beside it, never deleted. Linux, configure mode only.
   * @default [] (a stored-name mismatch fails preflight)
   */
  readonly allowDataWipeOn?: readonly string[];
  /**
   * How long a restarted node may take to show `UN`, and how long the final verification waits
   * for a healthy cluster. In configure mode it must be below each host's commandTimeoutSeconds.
   * @default 240
   */
  readonly healthTimeoutSeconds?: number;
  /**
   * cassandra.yaml on each node.
   * @default "/etc/cassandra/cassandra.yaml" (linux), "C:\Program Files\Cassandra\conf\cassandra.yaml" (windows-dataminer)
   */
  readonly configPath?: string;
  /**
   * The nodetool program.
   * @default "nodetool" (linux, from PATH), "C:\Program Files\Cassandra\bin\nodetool.bat" (windows-dataminer)
   */
  readonly nodetoolPath?: string;
  /**
   * The service (systemd unit or Windows service).
   * @default "cassandra"
   */
  readonly serviceName?: string;
  /**
   * Where the node keeps its data (decides whether a node "has data").
   * @default "/var/lib/cassandra" (linux), "C:\ProgramData\Cassandra" (windows-dataminer)
   */
  readonly dataDirectory?: string;
}

/** A node after validation and defaults. */
export interface CassandraNodeConfig {
  readonly host: HostConfig;
  /** How the node is named in messages and in allowDataWipeOn. */
  readonly name: string;
  readonly listenAddress: string;
  readonly rpcAddress: string;
  readonly broadcastRpcAddress?: string;
  /** Where clients reach the node: broadcast_rpc_address, else rpc_address. */
  readonly clientAddress: string;
}

export interface CassandraPorts {
  /** 7000, or 7001 with internode TLS. */
  readonly internode: number;
  /** 9042, or 9142 with client TLS. */
  readonly client: number;
}

export interface CassandraLocations {
  readonly configPath: string;
  readonly nodetoolPath: string;
  readonly serviceName: string;
  readonly dataDirectory: string;
}

export interface CassandraTwoNodeConfig {
  /** The advice accepted (acknowledge), by rule id. */
  readonly acknowledge: readonly RuleAcknowledgement[];
  readonly nodes: readonly [CassandraNodeConfig, CassandraNodeConfig];
  readonly platform: CassandraPlatform;
  readonly mode: CassandraMode;
  readonly clusterName?: string;
  readonly seeds: readonly string[];
  readonly endpointSnitch: string;
  readonly numTokens?: number;
  readonly tls: { readonly internode: boolean; readonly client: boolean };
  readonly ports: CassandraPorts;
  readonly expectedReleaseVersion?: string;
  readonly firewall: 'assume-open';
  readonly allowDataWipeOn: readonly string[];
  readonly healthTimeoutSeconds: number;
  readonly locations: CassandraLocations;
}

export const DEFAULT_LOCATIONS: Readonly<Record<CassandraPlatform, CassandraLocations>> = {
  linux: {
    configPath: '/etc/cassandra/cassandra.yaml',
    nodetoolPath: 'nodetool',
    serviceName: 'cassandra',
    dataDirectory: '/var/lib/cassandra',
  },
  'windows-dataminer': {
    configPath: 'C:\\Program Files\\Cassandra\\conf\\cassandra.yaml',
    nodetoolPath: 'C:\\Program Files\\Cassandra\\bin\\nodetool.bat',
    serviceName: 'cassandra',
    dataDirectory: 'C:\\ProgramData\\Cassandra',
  },
};

export const DEFAULT_HEALTH_TIMEOUT_SECONDS = 240;
export const DEFAULT_ENDPOINT_SNITCH = 'GossipingPropertyFileSnitch';

const WILDCARD = new Set(['0.0.0.0', '::']);

const nodeSchema = z.strictObject({
  host: hostSchema,
  listenAddress: ipAddressSchema.optional(),
  rpcAddress: ipAddressSchema.optional(),
  broadcastRpcAddress: ipAddressSchema.optional(),
});

const schemaObject = z.strictObject({
  acknowledge: acknowledgementsSchema('CASSANDRA-TWO-NODE-QUORUM').optional(),
  nodes: z
    .array(nodeSchema, { error: 'expected a list of two nodes: [{ host: ... }, { host: ... }]' })
    .length(2, {
      error: 'expected exactly two nodes: this construct builds a two-node cluster',
    }),
  platform: z
    .enum(['linux', 'windows-dataminer'], { error: 'expected "linux" or "windows-dataminer"' })
    .optional(),
  mode: z
    .enum(['configure', 'verify', 'preflight'], { error: 'expected "configure", "verify" or "preflight"' })
    .optional(),
  clusterName: z
    .string({ error: 'expected the cluster name as a string, such as "Production Cluster"' })
    .min(1, { error: 'expected a non-empty cluster name' })
    .max(200, { error: 'expected a cluster name of at most 200 characters' })
    .refine((v) => !hasControlCharacters(v), {
      error: 'a cluster name may not contain control characters or line breaks',
    })
    .refine((v) => v.trim() === v, { error: 'a cluster name may not start or end with spaces' })
    .optional(),
  seeds: z
    .array(ipAddressSchema, { error: 'expected a list of IP addresses' })
    .min(1, { error: 'expected at least one seed address' })
    .optional(),
  endpointSnitch: z
    .string()
    .regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, {
      error:
        'expected a snitch class name such as "GossipingPropertyFileSnitch" or "org.apache.cassandra.locator.GossipingPropertyFileSnitch"',
    })
    .optional(),
  numTokens: z
    .number({ error: 'expected a whole number of tokens such as 16 or 256' })
    .int({ error: 'expected a whole number of tokens such as 16 or 256' })
    .min(1, { error: 'expected at least 1 token' })
    .max(16384, { error: 'expected at most 16384 tokens' })
    .optional(),
  tls: z
    .strictObject(
      { internode: z.boolean().optional(), client: z.boolean().optional() },
      { error: 'expected { internode?: boolean, client?: boolean }' },
    )
    .optional(),
  expectedReleaseVersion: z
    .string()
    .refine(isReleaseVersion, {
      error:
        'expected a release as `nodetool version` prints it: 2 to 4 numbers separated by dots, such as "3.11.4"',
    })
    .optional(),
  firewall: z
    .literal('assume-open', {
      error:
        'only "assume-open" is accepted: firewall commands differ per site (firewalld, nftables, Windows Firewall) and are not managed by this construct; open the ports between the nodes yourself, preflight tests them from each node',
    })
    .optional(),
  allowDataWipeOn: z.array(z.string(), { error: 'expected a list of node names' }).optional(),
  healthTimeoutSeconds: durationSecondsSchema.optional(),
  configPath: z.string().max(MAX_PATH_LENGTH, { error: PATH_TOO_LONG }).optional(),
  nodetoolPath: z.string().max(MAX_PATH_LENGTH, { error: PATH_TOO_LONG }).optional(),
  serviceName: z.string().optional(),
  dataDirectory: z.string().max(MAX_PATH_LENGTH, { error: PATH_TOO_LONG }).optional(),
});

type ParsedProps = z.infer<typeof schemaObject>;
type ParsedNode = z.infer<typeof nodeSchema>;
type Issue = { path: (string | number)[]; input: unknown; message: string };

function platformOf(props: Partial<ParsedProps>): CassandraPlatform {
  if (props.platform) return props.platform;
  const nodes = Array.isArray(props.nodes) ? props.nodes : [];
  return nodes.some((n) => n?.host?.os === 'windows') ? 'windows-dataminer' : 'linux';
}

function modeOf(props: Partial<ParsedProps>): CassandraMode {
  return props.mode ?? (platformOf(props) === 'windows-dataminer' ? 'verify' : 'configure');
}

function isIp(value: unknown): value is string {
  return typeof value === 'string' && (isIpv4(value) || isIpv6(value));
}

/** The listen address a node ends up with, or undefined when it cannot be known (invalid input). */
function listenAddressOf(node: Partial<ParsedNode> | undefined): string | undefined {
  if (!node) return undefined;
  if (typeof node.listenAddress === 'string') return node.listenAddress;
  const address = node.host?.address;
  return typeof address === 'string' && (isIp(address) || isToken(address)) ? address : undefined;
}

function nodeName(node: Partial<ParsedNode> | undefined): string | undefined {
  const host = node?.host;
  if (!host || typeof host.address !== 'string') return undefined;
  return hostLabel(host);
}

const POSIX_COMMAND_NAME = /^[A-Za-z0-9._+-]+$/;
const WINDOWS_PATH = /^[A-Za-z]:\\[^<>"|?*]*$/;
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9@._-]{0,127}$/;

function locationIssues(props: Partial<ParsedProps>, platform: CassandraPlatform): Issue[] {
  const issues: Issue[] = [];
  const absolute =
    platform === 'linux'
      ? (v: string) => v.startsWith('/') && !v.split('/').includes('..')
      : (v: string) => WINDOWS_PATH.test(v) && !v.split('\\').includes('..');
  const pathExample =
    platform === 'linux'
      ? 'an absolute path such as /etc/cassandra/cassandra.yaml'
      : 'a full Windows path such as C:\\Program Files\\Cassandra\\conf\\cassandra.yaml';
  const check = (
    key: 'configPath' | 'dataDirectory' | 'nodetoolPath',
    accepts: (v: string) => boolean,
    expected: string,
  ) => {
    const value = props[key];
    if (value === undefined) return;
    if (typeof value !== 'string' || hasControlCharacters(value) || !accepts(value)) {
      issues.push({
        path: [key],
        input: value,
        message: `expected ${expected} (platform "${platform}"), without control characters or ".." segments`,
      });
    }
  };
  check('configPath', absolute, pathExample);
  check('dataDirectory', absolute, pathExample);
  check(
    'nodetoolPath',
    platform === 'linux' ? (v) => absolute(v) || POSIX_COMMAND_NAME.test(v) : absolute,
    platform === 'linux'
      ? 'a command name on PATH ("nodetool") or an absolute path (/opt/cassandra/bin/nodetool)'
      : 'a full path such as C:\\Program Files\\Cassandra\\bin\\nodetool.bat',
  );
  if (
    props.serviceName !== undefined &&
    (typeof props.serviceName !== 'string' || !SERVICE_NAME.test(props.serviceName))
  ) {
    issues.push({
      path: ['serviceName'],
      input: props.serviceName,
      message: 'expected a service name such as "cassandra": letters, digits, "@", ".", "_" or "-"',
    });
  }
  return issues;
}

/** Each node's host fits the platform, and its addresses are IPs cassandra.yaml can use. */
function nodeIssues(node: ParsedNode | undefined, i: number, platform: CassandraPlatform): Issue[] {
  if (!node?.host) return [];
  const issues: Issue[] = [];
  const wantedOs = platform === 'linux' ? 'linux' : 'windows';
  if (typeof node.host.os === 'string' && node.host.os !== wantedOs) {
    issues.push({
      path: ['nodes', i, 'host', 'os'],
      input: node.host.os,
      message: `platform "${platform}" runs on ${wantedOs} hosts: set os: "${wantedOs}" or choose platform "${platform === 'linux' ? 'windows-dataminer' : 'linux'}"`,
    });
  }
  if (
    node.listenAddress === undefined &&
    typeof node.host.address === 'string' &&
    !isIp(node.host.address) &&
    !isToken(node.host.address)
  ) {
    issues.push({
      path: ['nodes', i, 'listenAddress'],
      input: node.listenAddress,
      message: `the host address "${node.host.address}" is a hostname; cassandra.yaml wants the node's own IP: set listenAddress`,
    });
  }
  return [...issues, ...wildcardIssues(node, i)];
}

/** A wildcard may be the RPC address only, and then clients need a broadcast address. */
function wildcardIssues(node: ParsedNode, i: number): Issue[] {
  const issues: Issue[] = [];
  if (
    typeof node.rpcAddress === 'string' &&
    WILDCARD.has(node.rpcAddress) &&
    node.broadcastRpcAddress === undefined
  ) {
    issues.push({
      path: ['nodes', i, 'broadcastRpcAddress'],
      input: node.broadcastRpcAddress,
      message: `rpcAddress ${node.rpcAddress} listens on every interface, so clients need broadcastRpcAddress: set it to the IP clients use for this node`,
    });
  }
  if (typeof node.broadcastRpcAddress === 'string' && WILDCARD.has(node.broadcastRpcAddress)) {
    issues.push({
      path: ['nodes', i, 'broadcastRpcAddress'],
      input: node.broadcastRpcAddress,
      message: 'expected the IP clients use for this node, not a wildcard address',
    });
  }
  if (typeof node.listenAddress === 'string' && WILDCARD.has(node.listenAddress)) {
    issues.push({
      path: ['nodes', i, 'listenAddress'],
      input: node.listenAddress,
      message: "expected the node's own IP: listen_address cannot be a wildcard address",
    });
  }
  return issues;
}

/** The two nodes differ: each its own listen address and its own name. */
function pairIssues(
  nodeCount: number,
  listen: readonly (string | undefined)[],
  names: readonly (string | undefined)[],
): Issue[] {
  const issues: Issue[] = [];
  if (nodeCount === 2 && listen[0] !== undefined && listen[0] === listen[1] && !isToken(listen[0])) {
    issues.push({
      path: ['nodes', 1, 'listenAddress'],
      input: listen[1],
      message: 'both nodes have the same listen address; expected a different IP for each node',
    });
  }
  if (nodeCount === 2 && names[0] !== undefined && names[0] === names[1]) {
    issues.push({
      path: ['nodes', 1, 'host', 'name'],
      input: names[1],
      message: 'both nodes go by the same name; give the hosts different names',
    });
  }
  return issues;
}

/** Configure mode needs a cluster name and a platform it may configure; the other modes take no settings. */
function modeIssues(props: Partial<ParsedProps>, mode: CassandraMode, platform: CassandraPlatform): Issue[] {
  const issues: Issue[] = [];
  if (mode === 'configure') {
    if (platform === 'windows-dataminer') {
      issues.push({
        path: ['mode'],
        input: props.mode,
        message:
          'configure is rejected on "windows-dataminer" because DataMiner forms this cluster itself when Failover is switched on; use "preflight" before and "verify" after switching it on',
      });
    }
    if (props.clusterName === undefined) {
      issues.push({
        path: ['clusterName'],
        input: undefined,
        message: 'configure mode sets cluster_name on both nodes: give clusterName',
      });
    }
    return issues;
  }
  for (const key of ['seeds', 'endpointSnitch', 'numTokens'] as const) {
    if (props[key] !== undefined) {
      issues.push({
        path: [key],
        input: props[key],
        message: `${key} is applied in configure mode only; mode "${mode}" changes nothing: remove it or use mode "configure"`,
      });
    }
  }
  return issues;
}

/** Seeds are the nodes' own listen addresses, each once. */
function seedIssues(seeds: unknown, listen: readonly (string | undefined)[]): Issue[] {
  if (!Array.isArray(seeds)) return [];
  const issues: Issue[] = [];
  const known = listen.filter((a): a is string => a !== undefined);
  seeds.forEach((seed, i) => {
    if (typeof seed !== 'string' || isToken(seed) || known.length < 2 || known.some(isToken)) return;
    if (!known.includes(seed)) {
      issues.push({
        path: ['seeds', i],
        input: seed,
        message: `a seed of this two-node cluster must be one of its listen addresses: ${known.join(' or ')}`,
      });
    }
  });
  if (new Set(seeds).size !== seeds.length) {
    issues.push({ path: ['seeds'], input: seeds, message: 'expected each seed address once' });
  }
  return issues;
}

/** allowDataWipeOn names nodes of the pair, and only where data can be set aside: configure mode, on Linux. */
function dataWipeIssues(
  allowDataWipeOn: unknown,
  names: readonly (string | undefined)[],
  mode: CassandraMode,
  platform: CassandraPlatform,
): Issue[] {
  if (!Array.isArray(allowDataWipeOn)) return [];
  const issues: Issue[] = [];
  const known = names.filter((n): n is string => n !== undefined);
  allowDataWipeOn.forEach((name, i) => {
    if (known.length === names.length && !known.includes(name)) {
      issues.push({
        path: ['allowDataWipeOn', i],
        input: name,
        message: `expected the name of a node: ${known.join(' or ')}`,
      });
    }
  });
  if (allowDataWipeOn.length > 0 && mode !== 'configure') {
    issues.push({
      path: ['allowDataWipeOn'],
      input: allowDataWipeOn,
      message: `mode "${mode}" changes nothing, so no data is ever set aside: remove allowDataWipeOn`,
    });
  }
  if (allowDataWipeOn.length > 0 && platform !== 'linux') {
    issues.push({
      path: ['allowDataWipeOn'],
      input: allowDataWipeOn,
      message: 'setting data aside is supported on linux only',
    });
  }
  return issues;
}

/** In configure mode the wait after a restart is one remote command, bounded by the host's limit. */
function healthTimeoutIssues(
  props: Partial<ParsedProps>,
  nodes: readonly (ParsedNode | undefined)[],
  mode: CassandraMode,
): Issue[] {
  const timeout = props.healthTimeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS;
  const shortest = nodes
    .map((node, i) => ({ i, limit: node?.host?.commandTimeoutSeconds ?? 300 }))
    .filter((n) => typeof n.limit === 'number')
    .sort((a, b) => a.limit - b.limit)[0];
  if (mode !== 'configure' || !shortest || typeof timeout !== 'number' || timeout < shortest.limit) return [];
  return [
    {
      path: ['healthTimeoutSeconds'],
      input: timeout,
      message: `the wait for UN after a restart runs as one remote command, which nodes[${shortest.i}].host.commandTimeoutSeconds (${shortest.limit}) would cut short: set healthTimeoutSeconds below ${shortest.limit} or raise commandTimeoutSeconds`,
    },
  ];
}

/** Every rule across fields, one family after the other, so a user sees every problem at once. */
function crossFieldIssues(props: Partial<ParsedProps>): Issue[] {
  const platform = platformOf(props);
  const mode = modeOf(props);
  const nodes = Array.isArray(props.nodes) ? props.nodes : [];
  const listen = nodes.map(listenAddressOf);
  const names = nodes.map(nodeName);
  return [
    ...nodes.flatMap((node, i) => nodeIssues(node, i, platform)),
    ...pairIssues(nodes.length, listen, names),
    ...modeIssues(props, mode, platform),
    ...seedIssues(props.seeds, listen),
    ...dataWipeIssues(props.allowDataWipeOn, names, mode, platform),
    ...healthTimeoutIssues(props, nodes, mode),
    ...locationIssues(props, platform),
  ];
}

function toCassandraTwoNodeConfig(props: ParsedProps): CassandraTwoNodeConfig {
  const platform = platformOf(props);
  const nodes = props.nodes.map((node): CassandraNodeConfig => {
    const listenAddress = node.listenAddress ?? node.host.address;
    const rpcAddress = node.rpcAddress ?? listenAddress;
    return {
      host: node.host,
      name: hostLabel(node.host),
      listenAddress,
      rpcAddress,
      ...(node.broadcastRpcAddress ? { broadcastRpcAddress: node.broadcastRpcAddress } : {}),
      clientAddress: node.broadcastRpcAddress ?? rpcAddress,
    };
  }) as unknown as [CassandraNodeConfig, CassandraNodeConfig];
  const tls = { internode: props.tls?.internode ?? false, client: props.tls?.client ?? false };
  const defaults = DEFAULT_LOCATIONS[platform];
  return {
    acknowledge: props.acknowledge ?? [],
    nodes,
    platform,
    mode: modeOf(props),
    ...(props.clusterName !== undefined ? { clusterName: props.clusterName } : {}),
    seeds: props.seeds ?? nodes.map((n) => n.listenAddress),
    endpointSnitch: props.endpointSnitch ?? DEFAULT_ENDPOINT_SNITCH,
    ...(props.numTokens !== undefined ? { numTokens: props.numTokens } : {}),
    tls,
    ports: { internode: tls.internode ? 7001 : 7000, client: tls.client ? 9142 : 9042 },
    ...(props.expectedReleaseVersion !== undefined
      ? { expectedReleaseVersion: props.expectedReleaseVersion }
      : {}),
    firewall: props.firewall ?? 'assume-open',
    allowDataWipeOn: props.allowDataWipeOn ?? [],
    healthTimeoutSeconds: props.healthTimeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS,
    locations: {
      configPath: props.configPath ?? defaults.configPath,
      nodetoolPath: props.nodetoolPath ?? defaults.nodetoolPath,
      serviceName: props.serviceName ?? defaults.serviceName,
      dataDirectory: props.dataDirectory ?? defaults.dataDirectory,
    },
  };
}

export const cassandraTwoNodeSchema = declaredSchema<CassandraTwoNodeConfig, CassandraTwoNodeProps>()(
  schemaObject
    .superRefine(
      crossFieldRule((props, ctx) => {
        for (const issue of crossFieldIssues(props as Partial<ParsedProps>))
          ctx.addIssue({ code: 'custom', ...issue });
      }),
      EVEN_WITH_FIELD_ERRORS,
    )
    .transform(toCassandraTwoNodeConfig),
);
