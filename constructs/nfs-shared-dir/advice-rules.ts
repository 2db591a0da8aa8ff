/** NfsSharedDir's advice, as named rules (src/rules.ts): legal choices that weaken the share. Pure. */
import type { AdviceRule } from '../../src/rules';
import type { NfsSharedDirConfig } from './props';

const hostExportOptions = (config: NfsSharedDirConfig): readonly string[] =>
  config.server.kind === 'host' ? config.server.exportOptions : [];

export const EXPORT_ASYNC: AdviceRule<NfsSharedDirConfig> = {
  id: 'NFS-EXPORT-ASYNC',
  summary: 'The export acknowledges writes before they are stored (async).',
  check: (config) =>
    hostExportOptions(config).includes('async')
      ? [
          {
            property: 'server.exportOptions',
            message:
              'exportOptions include async: the server acknowledges writes before they are stored, so a server crash can lose KahaDB writes the broker believes are safe. Prefer sync.',
          },
        ]
      : [],
};

export const EXPORT_NO_ROOT_SQUASH: AdviceRule<NfsSharedDirConfig> = {
  id: 'NFS-EXPORT-NO-ROOT-SQUASH',
  summary: 'Root on every client is root on the share (no_root_squash).',
  check: (config) =>
    hostExportOptions(config).includes('no_root_squash')
      ? [
          {
            property: 'server.exportOptions',
            message:
              'exportOptions include no_root_squash: root on every client becomes root on the shared directory. Prefer root_squash; the construct verifies the share as the owner, not as root.',
          },
        ]
      : [],
};

export const ONE_CLIENT: AdviceRule<NfsSharedDirConfig> = {
  id: 'NFS-ONE-CLIENT',
  summary: 'The share has one client, where a failover pair needs two.',
  check: (config) =>
    config.clients.length === 1
      ? [
          {
            property: 'clients',
            message:
              'The shared directory has one client: a failover pair needs the share on both hosts. Add the second host to clients.',
          },
        ]
      : [],
};

/** Every advice rule of NfsSharedDir, in the order their findings are reported. */
export const NFS_ADVICE_RULES = [EXPORT_ASYNC, EXPORT_NO_ROOT_SQUASH, ONE_CLIENT] as const;
