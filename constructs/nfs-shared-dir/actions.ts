/**
 * The custom actions of NfsSharedDir, as the plan writes them into step specs and the runner reads
 * them back. Plain JSON; type aliases rather than interfaces, so they fit the open `CustomAction` shape.
 */
import type { HostConfig } from '../../src/schema/host';
import type { NfsVersion } from './mount-options';

export const PREFLIGHT_KIND = 'nfs-shared-dir.preflight';
export const EXPORT_TABLE_KIND = 'nfs-shared-dir.export-table';
export const MOUNT_KIND = 'nfs-shared-dir.mount';
export const VERIFY_KIND = 'nfs-shared-dir.verify';
export const UNMOUNT_KIND = 'nfs-shared-dir.unmount';

export interface OwnerSpec {
  readonly user: string;
  readonly uid: number;
  readonly group: string;
  readonly gid: number;
}

/** Checks every host before anything changes; changes nothing. */
export type PreflightAction = {
  readonly kind: typeof PREFLIGHT_KIND;
  readonly description: string;
  /** The server when the construct configures it. */
  readonly server?: {
    readonly host: HostConfig;
    readonly exportPath: string;
    readonly exportsFile: string;
    readonly mode: string;
  };
  readonly clients: readonly HostConfig[];
  readonly exportSource: string;
  readonly mountPath: string;
  readonly owner: OwnerSpec;
};

/** The server's applied export table lists the path for exactly these clients, read-write. */
export type ExportTableAction = {
  readonly kind: typeof EXPORT_TABLE_KIND;
  readonly description: string;
  readonly exportPath: string;
  readonly clients: readonly string[];
  readonly options: readonly string[];
};

/** The share is mounted at the mount point with the wanted options (umount + mount when not). */
export type MountAction = {
  readonly kind: typeof MOUNT_KIND;
  readonly description: string;
  readonly exportSource: string;
  readonly mountPath: string;
  readonly nfsVersion: NfsVersion;
  /** The full option list, as in the fstab line. */
  readonly options: readonly string[];
  /** The user's extra options, compared with the mounted share where the kernel lists them. */
  readonly extraOptions: readonly string[];
};

/** Every client sees the same share, owner, data and locks. Changes nothing. */
export type VerifyAction = {
  readonly kind: typeof VERIFY_KIND;
  readonly description: string;
  readonly clients: readonly HostConfig[];
  readonly exportSource: string;
  readonly mountPath: string;
  readonly nfsVersion: NfsVersion;
  readonly extraOptions: readonly string[];
  readonly owner: OwnerSpec;
  readonly mode: string;
  /** How long the lock check waits for a lock or a signal, in seconds. */
  readonly lockWaitSeconds: number;
};

/** Unmounts the share when it is mounted at the mount point; never deletes data. */
export type UnmountAction = {
  readonly kind: typeof UNMOUNT_KIND;
  readonly description: string;
  readonly exportSource: string;
  readonly mountPath: string;
};

/** Every action kind NfsSharedDir contributes. */
export type NfsSharedDirAction =
  PreflightAction | ExportTableAction | MountAction | VerifyAction | UnmountAction;
