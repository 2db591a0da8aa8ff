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
