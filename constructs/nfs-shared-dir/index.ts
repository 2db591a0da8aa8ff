export { NfsSharedDir } from './nfs-shared-dir';
export type {
  NfsServerConfig,
  NfsRemovalPolicy,
  NfsShareOwner,
  NfsSharedDirConfig,
  NfsSharedDirProps,
  NfsVersion,
} from './props';
export { nfsSharedDirSchema } from './props';
export { planNfsSharedDirSteps } from './plan';
export { PREFLIGHT_STEP as SHARED_DIRECTORY_PREFLIGHT } from './plan';
export type { PreflightAction as SharedDirectoryPreflightAction } from './actions';
export type { ExportTableAction as SharedDirectoryExportTableAction } from './actions';
export { EXPORT_TABLE_KIND as SHARED_DIRECTORY_EXPORT_TABLE } from './actions';
export { sharedDirectoryProblems } from './handle-preflight';
