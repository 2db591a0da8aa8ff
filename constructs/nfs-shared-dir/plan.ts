import type { Action, CommandAction, ConfigAction, LineAction } from '../../src/actions';
import { shellScript } from '../../src/dialect/posix';
import { HostConfig, hostLabel } from '../../src/schema/host';
import { isToken } from '../../src/schema/token';
import { slugStepId, Step } from '../../src/step';
import {
  EXPORT_TABLE_KIND,
  ExportTableAction,
  MOUNT_KIND,
  MountAction,
  PREFLIGHT_KIND,
  PreflightAction,
  UNMOUNT_KIND,
  UnmountAction,
  VERIFY_KIND,
  VerifyAction,
} from './actions';
import { exportsFileFor, renderExportsFile } from './export-options';
import { extraMountOptions, mountOptionList } from './mount-options';
import type { NfsSharedDirConfig } from './props';
import {
  DIRECTORY_IS_AS_WANTED,
  GROUP_EXISTS_WITH_GID,
  MAKE_DIRECTORY,
  USER_EXISTS_WITH_IDS,
} from './commands';

/** Pending-marker names: a changed export file is applied, a changed nfs.conf restarts nfsd. */
const EXPORTS_CHANGED = 'nfs-exports-changed';
const NFS_CONF_CHANGED = 'nfs-server-restart';

const LOCK_WAIT_SECONDS = 30;

export const PREFLIGHT_STEP = 'preflight';
export const SERVER_STEP = 'server';
export const VERIFY_STEP = 'verify';

/** A step id for a host: its name (or address) in lower case, or its position when it is a Token. */
export function hostStepId(prefix: string, host: HostConfig, index: number): string {
  const label = hostLabel(host);
  return slugStepId(prefix, isToken(label) ? undefined : label, index + 1);
}

export const clientStepId = (config: NfsSharedDirConfig, i: number) =>
  hostStepId('client', config.clients[i], i);
export const unmountStepId = (config: NfsSharedDirConfig, i: number) =>
  hostStepId('unmount', config.clients[i], i);

/** The line selector for a mount point's fstab entry: any non-comment line whose second field is it. */
export function fstabMatch(mountPath: string): string {
  return `^\\s*[^#\\s]\\S*\\s+${mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/*\\s`;
}

export function fstabLine(config: NfsSharedDirConfig): string {
  return `${config.exportSource} ${config.mountPath} nfs4 ${mountOptionList(config.nfsVersion, config.mountOptions).join(',')} 0 0`;
}

function idmapAction(domain: string): ConfigAction {
  return {
    kind: 'config',
    format: 'ini',
    path: '/etc/idmapd.conf',
    settings: [{ key: 'General.Domain', value: domain }],
    // nfs-utils ships it; a host with only the kernel client may lack it.
    createIfMissing: true,
  };
}

/** `stat -c %a` prints modes without leading zeros: 0770 → 770, 2770 → 2770. */
const statMode = (mode: string) => parseInt(mode, 8).toString(8);

function preflightStep(config: NfsSharedDirConfig): Step {
  const { server } = config;
  const action: PreflightAction = {
    kind: PREFLIGHT_KIND,
    description: `every host ready for the shared directory ${config.mountPath}`,
    ...(server.kind === 'host'
      ? {
          server: {
            host: server.host,
            exportPath: server.exportPath,
            exportsFile: exportsFileFor(server.exportPath),
            mode: config.mode,
          },
        }
      : {}),
    clients: config.clients,
    exportSource: config.exportSource,
    mountPath: config.mountPath,
    owner: config.owner,
  };
  return {
    id: PREFLIGHT_STEP,
    rerunsWithAnyStep: true,
    description: `check every host before changing any (${config.exportSource} at ${config.mountPath})`,
    host: server.kind === 'host' ? server.host : config.clients[0],
    actions: [action],
    after: [],
    when: 'create',
  };
}

function serverStep(config: NfsSharedDirConfig): Step | undefined {
  const { server, owner } = config;
  if (server.kind !== 'host') return undefined;
  const exportsFile = exportsFileFor(server.exportPath);
  const directory: CommandAction = {
    kind: 'command',
    description: `export directory ${server.exportPath} (${owner.uid}:${owner.gid}, mode ${config.mode})`,
    check: {
      argv: shellScript(
        DIRECTORY_IS_AS_WANTED,
        server.exportPath,
        String(owner.uid),
        String(owner.gid),
        statMode(config.mode),
      ),
    },
    run: {
      argv: shellScript(
        MAKE_DIRECTORY,
        server.exportPath,
        String(owner.uid),
        String(owner.gid),
        `0${config.mode}`,
      ),
    },
  };
  const v4Only: Action[] = server.nfsV4Only
    ? [
        {
          kind: 'config',
          format: 'ini',
          path: '/etc/nfs.conf',
          settings: [{ key: 'nfsd.vers3', value: 'n' }],
          createIfMissing: true,
          notifies: NFS_CONF_CHANGED,
        },
        {
          kind: 'command',
          description: 'restart nfs-server for the NFSv4-only setting',
          run: { argv: ['systemctl', 'restart', 'nfs-server'] },
          whenNotified: NFS_CONF_CHANGED,
        },
      ]
    : [];
  const table: ExportTableAction = {
    kind: EXPORT_TABLE_KIND,
    description: `export table lists ${server.exportPath} for ${config.clients.map(hostLabel).join(', ')}`,
    exportPath: server.exportPath,
    clients: config.clients.map((c) => c.address),
    options: server.exportOptions,
  };
  return {
    id: SERVER_STEP,
    description: `NFS server: export ${server.exportPath} to the clients`,
    host: server.host,
    actions: [
      directory,
      ...v4Only,
      ...(config.idmapDomain ? [idmapAction(config.idmapDomain)] : []),
      {
        kind: 'file',
        path: exportsFile,
        content: renderExportsFile(
          server.exportPath,
          config.clients.map((c) => c.address),
          server.exportOptions,
        ),
        mode: '0644',
        notifies: EXPORTS_CHANGED,
      },
      {
        kind: 'command',
        description: `apply ${exportsFile} (exportfs -ra)`,
        run: { argv: ['exportfs', '-ra'] },
        whenNotified: EXPORTS_CHANGED,
      },
      table,
    ],
    after: [PREFLIGHT_STEP],
    when: 'create',
  };
}

function clientStep(config: NfsSharedDirConfig, i: number, after: string[]): Step {
  const client = config.clients[i];
  const { owner } = config;
  const fstab: LineAction = {
    kind: 'line',
    path: '/etc/fstab',
    line: fstabLine(config),
    match: fstabMatch(config.mountPath),
  };
  const mount: MountAction = {
    kind: MOUNT_KIND,
    description: `${config.exportSource} mounted at ${config.mountPath} (NFS ${config.nfsVersion})`,
    exportSource: config.exportSource,
    mountPath: config.mountPath,
    nfsVersion: config.nfsVersion,
    options: mountOptionList(config.nfsVersion, config.mountOptions),
    extraOptions: extraMountOptions(config.mountOptions),
  };
  return {
    id: clientStepId(config, i),
    description: `NFS client ${hostLabel(client)}: owner ${owner.user} (${owner.uid}:${owner.gid}), fstab and mount of ${config.mountPath}`,
    host: client,
    actions: [
      {
        kind: 'command',
        description: `group ${owner.group} with GID ${owner.gid}`,
        check: { argv: shellScript(GROUP_EXISTS_WITH_GID, owner.group, String(owner.gid)) },
        run: { argv: ['groupadd', '-g', String(owner.gid), owner.group] },
      },
      {
        kind: 'command',
        description: `user ${owner.user} with UID ${owner.uid}`,
        check: { argv: shellScript(USER_EXISTS_WITH_IDS, owner.user, String(owner.uid), String(owner.gid)) },
        run: { argv: ['useradd', '-u', String(owner.uid), '-g', String(owner.gid), '-M', owner.user] },
      },
      ...(config.idmapDomain ? [idmapAction(config.idmapDomain)] : []),
      {
        kind: 'command',
        description: `mount point ${config.mountPath}`,
        check: { argv: ['test', '-d', config.mountPath] },
        run: { argv: ['mkdir', '-p', config.mountPath] },
      },
      fstab,
      mount,
    ],
    after,
    when: 'create',
  };
}

function verifyStep(config: NfsSharedDirConfig, clients: readonly Step[]): Step {
  const action: VerifyAction = {
    kind: VERIFY_KIND,
    description: `every client shares ${config.mountPath}: NFS ${config.nfsVersion}, owner, data and locks`,
    clients: config.clients,
    exportSource: config.exportSource,
    mountPath: config.mountPath,
    nfsVersion: config.nfsVersion,
    extraOptions: extraMountOptions(config.mountOptions),
    owner: config.owner,
    mode: config.mode,
    lockWaitSeconds: LOCK_WAIT_SECONDS,
  };
  return {
    id: VERIFY_STEP,
    description: `verify ${config.mountPath} from every client (version, owner, shared data, exclusive lock)`,
    host: config.clients[0],
    actions: [action],
    after: clients.map((s) => s.id),
    when: 'create',
  };
}

function unmountStep(config: NfsSharedDirConfig, i: number): Step {
  const action: UnmountAction = {
    kind: UNMOUNT_KIND,
    description: `unmount ${config.mountPath} (the data stays on the server)`,
    exportSource: config.exportSource,
    mountPath: config.mountPath,
  };
  return {
    id: unmountStepId(config, i),
    description: `remove the mount of ${config.mountPath} from ${hostLabel(config.clients[i])}`,
    host: config.clients[i],
    actions: [
      action,
      {
        kind: 'line',
        path: '/etc/fstab',
        line: fstabLine(config),
        match: fstabMatch(config.mountPath),
        state: 'absent',
      },
    ],
    // Destroy runs in reverse: this step's removal comes before the client step's.
    after: [clientStepId(config, i)],
    when: 'destroy',
  };
}

/**
 * The steps of a shared directory: one preflight that checks every host before anything changes,
 * the server (when ours), one step per client (in parallel), then one verification across all
 * clients; with removalPolicy "unmount", one destroy-time step per client.
 */
export function planNfsSharedDirSteps(config: NfsSharedDirConfig): Step[] {
  const preflight = preflightStep(config);
  const server = serverStep(config);
  const clientAfter = server ? [PREFLIGHT_STEP, SERVER_STEP] : [PREFLIGHT_STEP];
  const clients = config.clients.map((_, i) => clientStep(config, i, clientAfter));
  return [
    preflight,
    ...(server ? [server] : []),
    ...clients,
    verifyStep(config, clients),
    ...(config.removalPolicy === 'unmount' ? config.clients.map((_, i) => unmountStep(config, i)) : []),
  ];
}
