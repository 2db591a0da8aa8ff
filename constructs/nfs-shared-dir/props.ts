import { acknowledgementsSchema, RuleAcknowledgement } from '../../src/rules';
import { z } from 'zod';
import {
  crossFieldRule,
  EVEN_WITH_FIELD_ERRORS,
  isHostname,
  isIpv4,
  isIpv6,
  posixIdSchema,
  posixNameSchema,
  posixPathSchema,
  declaredSchema,
} from '../../src/schema/common';
import { HostConfig, hostLabel, HostProps, hostSchema } from '../../src/schema/host';
import { isToken } from '../../src/schema/token';
import { DEFAULT_EXPORT_OPTIONS, exportOptionProblem, exportOptionsProblem } from './export-options';
import { mountOptionProblem, NFS_V4_REASON, NFS_VERSIONS, NfsVersion } from './mount-options';

export type { NfsVersion } from './mount-options';

/** Who owns the shared directory: the same numeric IDs on every host. */
export interface NfsShareOwner {
  /** User name, created on each client with `uid` when missing. */
  readonly user: string;
  /** Numeric user ID, identical on every host (NFSv4 with sec=sys sends numbers). */
  readonly uid: number;
  /** Group name, created on each client with `gid` when missing. */
  readonly group: string;
  /** Numeric group ID, identical on every host. */
  readonly gid: number;
}

/** What removing the construct from the stack does on the clients. */
export type NfsRemovalPolicy = 'retain' | 'unmount';

export interface NfsSharedDirProps {
  /**
   * Advice accepted, each rule by its id with why it does not apply here: its warning becomes a
   * note carrying the reason. @default none
   */
  readonly acknowledge?: readonly RuleAcknowledgement[];
  /**
   * A Linux host this construct makes the NFS server (kernel nfsd): it creates `exportPath`, writes
   * an export file under /etc/exports.d and applies it with `exportfs -ra`. Give either this or
   * `existingExport`.
   * @default none: `existingExport` is required instead
   */
  readonly serverHost?: HostProps;
  /**
   * An export that already exists, typically on a NAS, as clients mount it: `nas.example.com:/da-shared`
   * (IPv6: `[fd00::10]:/da-shared`). Only the clients are configured; the export is verified through them.
   * @default none: `serverHost` is required instead
   */
  readonly existingExport?: string;
  /**
   * The directory on `serverHost` to export, created when missing.
   * @default none: required with `serverHost`; with `existingExport` the path is part of it
   */
  readonly exportPath?: string;
  /** Where every client mounts the share, e.g. /DASharedRepo. */
  readonly mountPath: string;
  /** The hosts that mount the share: at least one, usually the pair. Each must be Linux. */
  readonly clients: readonly HostProps[];
  /** Owner of the shared directory, with the same numeric IDs on every host. */
  readonly owner: NfsShareOwner;
  /**
   * Octal mode of the shared directory, e.g. "0770" or "2770" (setgid).
   * @default "0770"
   */
  readonly mode?: string;
  /**
   * The NFS version every client mounts, pinned in fstab and on the mount. Anything below 4 is
   * rejected: ActiveMQ KahaDB locking needs NFSv4.
   * @default "4.1"
   */
  readonly nfsVersion?: NfsVersion;
  /**
   * Mount options added to the pinned `vers=<nfsVersion>,hard,proto=tcp,_netdev`, one per element
   * ("noatime", "timeo=600"). `nolock`, `local_lock=…`, `soft`, `ro`, `noauto`, and versions below
   * 4 are rejected with their reasons.
   * @default []
   */
  readonly mountOptions?: readonly string[];
  /**
   * The NFSv4 ID-mapping domain, written as `Domain` in /etc/idmapd.conf on every host (the server
   * too, when it is `serverHost`).
   * @default idmapd.conf is left as it is
   */
  readonly idmapDomain?: string;
  /**
   * Export options for every client, one per element. Must include rw; `ro` and the pseudo-root
   * `fsid=0` are rejected. Only with `serverHost`.
   * @default ["rw", "sync", "no_subtree_check", "root_squash", "sec=sys"]
   */
  readonly exportOptions?: readonly string[];
  /**
   * Make the server NFSv4-only: `[nfsd] vers3=n` in /etc/nfs.conf, then restart nfs-server. Only
   * with `serverHost`; leave it off when the server also serves NFSv3 clients.
   * @default false
   */
  readonly serverNfsV4Only?: boolean;
  /**
   * `retain` leaves everything when the construct is removed; `unmount` removes the fstab line and
   * unmounts the share on every client. Data is never deleted.
   * @default "retain"
   */
  readonly removalPolicy?: NfsRemovalPolicy;
}

/** Paths go into /etc/exports and /etc/fstab, where spaces and other characters need escapes. */
const SAFE_PATH = /^\/[A-Za-z0-9._+/-]*$/;
/** Mounting over these would hide the host's own files. */
const SYSTEM_DIRECTORIES = new Set([
  '/',
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib64',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/var',
  '/mnt',
]);

const sharePathSchema = posixPathSchema
  .refine((v) => SAFE_PATH.test(v), {
    error:
      'expected a path of letters, digits and ". _ + - /" (it is written into /etc/exports and /etc/fstab)',
  })
  .refine((v) => v === '/' || !v.endsWith('/'), { error: 'expected the path without a trailing "/"' })
  .refine((v) => !/\/\//.test(v), { error: 'expected the path without "//"' });

const mountPathSchema = sharePathSchema.refine((v) => !SYSTEM_DIRECTORIES.has(v), {
  error:
    "expected a dedicated directory such as /DASharedRepo: mounting over a system directory would hide the host's own files",
});

const exportPathSchema = sharePathSchema.refine((v) => !SYSTEM_DIRECTORIES.has(v), {
  error:
    'expected a dedicated directory such as /srv/da-shared: the construct sets the owner and mode of the exported directory',
});

const linuxHostSchema = hostSchema.refine((h) => h?.os !== 'windows', {
  error: 'NFS servers and clients of a shared directory must be Linux hosts (os: "linux")',
});

const nfsVersionSchema = z.unknown().transform((value, ctx): NfsVersion => {
  if (typeof value === 'string' && (NFS_VERSIONS as readonly string[]).includes(value))
    return value as NfsVersion;
  // Only strings and numbers can name a version; anything else is just not one.
  const text =
    typeof value === 'string' || typeof value === 'number' ? String(value).replace(/^(nfs)?v?/i, '') : '';
  const major = Number.parseFloat(text);
  if (!Number.isNaN(major) && major < 4) {
    ctx.addIssue({
      code: 'custom',
      input: value,
      message: `NFS versions below 4 are rejected because ${NFS_V4_REASON}; expected "4.0", "4.1" or "4.2"`,
    });
  } else if (typeof value === 'number' && (NFS_VERSIONS as readonly string[]).includes(value.toFixed(1))) {
    ctx.addIssue({
      code: 'custom',
      input: value,
      message: `expected the version as a string: "${value.toFixed(1)}"`,
    });
  } else {
    ctx.addIssue({ code: 'custom', input: value, message: 'expected "4.0", "4.1" or "4.2"' });
  }
  return z.NEVER;
});

function optionListSchema(problemOf: (option: string) => string | undefined, what: string) {
  return z
    .array(
      z.string({ error: `expected a ${what} as a string` }).superRefine((option, ctx) => {
        const problem = problemOf(option);
        if (problem) ctx.addIssue({ code: 'custom', input: option, message: problem });
      }),
      { error: `expected a list of ${what}s, one per element` },
    )
    .superRefine((options, ctx) => {
      options.forEach((option, i) => {
        if (options.indexOf(option) !== i)
          ctx.addIssue({
            code: 'custom',
            path: [i],
            input: option,
            message: `${option} is given twice; give it once`,
          });
      });
    });
}

/** `host:/path`, `[v6]:/path`: the form fstab and mount take. */
export function splitExport(value: string): { server: string; path: string } | undefined {
  const match = /^(\[[^\]]+\]|[^:[\]]+):(\/.*)$/.exec(value);
  if (!match) return undefined;
  return { server: match[1].replace(/^\[(.*)\]$/, '$1'), path: match[2] };
}

const existingExportSchema = z
  .string({ error: 'expected the export as "server:/path", e.g. "nas.example.com:/da-shared"' })
  .superRefine((value, ctx) => {
    if (isToken(value)) return;
    const parts = splitExport(value);
    const fail = (message: string) => ctx.addIssue({ code: 'custom', input: value, message });
    if (!parts)
      return fail(
        'expected the export as "server:/path", e.g. "nas.example.com:/da-shared" or "[fd00::10]:/da-shared"',
      );
    const bracketed = value.startsWith('[');
    if (bracketed ? !isIpv6(parts.server) : !(isIpv4(parts.server) || isHostname(parts.server))) {
      return fail(
        'expected the server as an IPv4 address, a DNS hostname or a bracketed IPv6 address ([fd00::10])',
      );
    }
    const path = sharePathSchema.safeParse(parts.path);
    if (!path.success) fail(`the export path: ${path.error.issues[0].message}`);
  });

const IDMAP_DOMAIN =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const nfsSharedDirObject = z.strictObject({
  acknowledge: acknowledgementsSchema('NFS-EXPORT-ASYNC').optional(),
  serverHost: linuxHostSchema.optional(),
  existingExport: existingExportSchema.optional(),
  exportPath: exportPathSchema.optional(),
  mountPath: mountPathSchema,
  clients: z
    .array(linuxHostSchema, { error: 'expected a list of client hosts' })
    .min(1, { error: 'expected at least one client host; a failover pair has two' }),
  owner: z.strictObject(
    {
      user: z.string({ error: 'expected the owner\'s user name, such as "dauser"' }).pipe(posixNameSchema),
      uid: posixIdSchema,
      group: z.string({ error: 'expected the owner\'s group name, such as "dauser"' }).pipe(posixNameSchema),
      gid: posixIdSchema,
    },
    {
      error:
        'expected the owner as { user, uid, group, gid }, e.g. { user: "dauser", uid: 4500, group: "dauser", gid: 4500 }',
    },
  ),
  mode: z
    .string({ error: 'expected an octal mode as a string, such as "0770"' })
    .regex(/^[0-7]?[0-7]{3}$/, { error: 'expected an octal mode such as "0770" or "2770"' })
    .refine((m) => (parseInt(m, 8) & 0o700) === 0o700, {
      error:
        'expected a mode that gives the owner read, write and search (u=rwx), such as "0770": the owner writes KahaDB there',
    })
    .optional(),
  nfsVersion: nfsVersionSchema.optional(),
  mountOptions: optionListSchema(mountOptionProblem, 'mount option').optional(),
  idmapDomain: z
    .string({ error: 'expected a domain such as "example.com"' })
    .regex(IDMAP_DOMAIN, { error: 'expected a DNS domain such as "example.com" (the same on every host)' })
    .optional(),
  exportOptions: optionListSchema(exportOptionProblem, 'export option')
    .superRefine((options, ctx) => {
      const problem = exportOptionsProblem(options);
      if (problem) ctx.addIssue({ code: 'custom', input: options, message: problem });
    })
    .optional(),
  serverNfsV4Only: z.boolean({ error: 'expected true or false' }).optional(),
  removalPolicy: z
    .enum(['retain', 'unmount'], {
      error:
        'expected "retain" (leave everything) or "unmount" (remove the fstab line and unmount; data stays)',
    })
    .optional(),
});

type ParsedProps = z.output<typeof nfsSharedDirObject>;

/** Where the share comes from: a host we configure, or an export that exists already. */
export type NfsServerConfig =
  | {
      readonly kind: 'host';
      readonly host: HostConfig;
      readonly exportPath: string;
      readonly exportOptions: readonly string[];
      readonly nfsV4Only: boolean;
    }
  | { readonly kind: 'existing'; readonly address: string; readonly exportPath: string };

/** The validated props with defaults, as plan() takes them. */
export interface NfsSharedDirConfig {
  /** The advice accepted (acknowledge), by rule id. */
  readonly acknowledge: readonly RuleAcknowledgement[];
  readonly server: NfsServerConfig;
  /** `server:/path` as clients mount it (the first fstab field). */
  readonly exportSource: string;
  readonly mountPath: string;
  readonly clients: readonly HostConfig[];
  readonly owner: NfsShareOwner;
  /** Four octal digits, e.g. "0770". */
  readonly mode: string;
  readonly nfsVersion: NfsVersion;
  readonly mountOptions: readonly string[];
  readonly idmapDomain?: string;
  readonly removalPolicy: NfsRemovalPolicy;
}

/** `host:/path`, with an IPv6 host in brackets as fstab and mount want it. */
export function exportSourceOf(address: string, path: string): string {
  return `${isIpv6(address) ? `[${address}]` : address}:${path}`;
}

function addCrossFieldIssues(props: ParsedProps, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string, input?: unknown) =>
    ctx.addIssue({ code: 'custom', path: [path], input, message });
  const hasServer = props.serverHost !== undefined;
  const hasExisting = props.existingExport !== undefined;
  if (hasServer === hasExisting) {
    issue(
      'serverHost',
      hasServer
        ? 'give either serverHost (a host we configure) or existingExport (a NAS export), not both'
        : 'expected serverHost (a Linux host to configure as the NFS server) or existingExport ("nas.example.com:/da-shared")',
    );
  }
  if (hasServer && props.exportPath === undefined)
    issue('exportPath', 'expected the directory to export on serverHost, such as /srv/da-shared');
  if (hasExisting && props.exportPath !== undefined)
    issue(
      'exportPath',
      'leave exportPath out with existingExport: the path is part of the export ("server:/path")',
      props.exportPath,
    );
  if (!hasServer && props.exportOptions !== undefined)
    issue(
      'exportOptions',
      'exportOptions apply only to a serverHost; a NAS keeps its own export options',
      props.exportOptions,
    );
  if (!hasServer && props.serverNfsV4Only === true)
    issue(
      'serverNfsV4Only',
      'serverNfsV4Only applies only to a serverHost; configure the NAS itself',
      props.serverNfsV4Only,
    );
  const clients: unknown[] = Array.isArray(props.clients) ? props.clients : [];
  const seen = new Map<string, number>();
  clients.forEach((client, i) => {
    const host = client as Partial<HostConfig> | undefined;
    if (typeof host?.address !== 'string') return;
    for (const key of [`address:${host.address}`, `label:${hostLabel(host as HostConfig)}`]) {
      const first = seen.get(key);
      if (first !== undefined && first !== i) {
        ctx.addIssue({
          code: 'custom',
          path: ['clients', i],
          input: key.slice(key.indexOf(':') + 1),
          message: `the same host as clients[${first}]; list each client once (by address and by name)`,
        });
        return;
      }
      seen.set(key, i);
    }
  });
}

export const nfsSharedDirSchema = declaredSchema<NfsSharedDirConfig, NfsSharedDirProps>()(
  nfsSharedDirObject
    .superRefine(crossFieldRule(addCrossFieldIssues), EVEN_WITH_FIELD_ERRORS)
    .transform(toNfsSharedDirConfig),
);

/** Props to config: every default is applied here, and only here. */
function toNfsSharedDirConfig(props: ParsedProps): NfsSharedDirConfig {
  const server: NfsServerConfig = props.serverHost
    ? {
        kind: 'host',
        host: props.serverHost,
        exportPath: props.exportPath!,
        exportOptions: props.exportOptions ?? DEFAULT_EXPORT_OPTIONS,
        nfsV4Only: props.serverNfsV4Only ?? false,
      }
    : existingServer(props.existingExport!);
  return {
    acknowledge: props.acknowledge ?? [],
    server,
    exportSource:
      server.kind === 'host' ? exportSourceOf(server.host.address, server.exportPath) : props.existingExport!,
    mountPath: props.mountPath,
    clients: props.clients,
    owner: props.owner,
    mode: (props.mode ?? '0770').padStart(4, '0'),
    nfsVersion: props.nfsVersion ?? '4.1',
    mountOptions: props.mountOptions ?? [],
    ...(props.idmapDomain !== undefined ? { idmapDomain: props.idmapDomain } : {}),
    removalPolicy: props.removalPolicy ?? 'retain',
  };
}

function existingServer(existingExport: string): NfsServerConfig {
  const parts = splitExport(existingExport);
  // A Token is only known at apply time; the runner mounts it as given.
  return { kind: 'existing', address: parts?.server ?? existingExport, exportPath: parts?.path ?? '' };
}
