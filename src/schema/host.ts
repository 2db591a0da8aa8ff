import { z } from 'zod';
import {
  addressSchema,
  durationSecondsSchema,
  crossFieldRule,
  EVEN_WITH_FIELD_ERRORS,
  hasControlCharacters,
  envVarNameSchema,
  MAX_PATH_LENGTH,
  PATH_TOO_LONG,
  portSchema,
  stringOrToken,
} from './common';

/**
 * Where the runner finds the SSH credentials at apply time. Only references: a secret value never
 * enters the synthesized configuration, the Terraform state or a log.
 */
export const credentialsSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('agent'),
      /** @default SSH_AUTH_SOCK */
      socketEnv: envVarNameSchema.default('SSH_AUTH_SOCK'),
    }),
    z.strictObject({
      kind: z.literal('privateKeyFile'),
      path: z
        .string()
        .min(1, { error: 'expected the path of a private key file on the machine that runs terraform' })
        .max(MAX_PATH_LENGTH, { error: PATH_TOO_LONG })
        .refine((v) => !hasControlCharacters(v), { error: 'a key path may not contain control characters' }),
      passphraseEnv: envVarNameSchema.optional(),
    }),
    z.strictObject({
      kind: z.literal('privateKeyEnv'),
      env: envVarNameSchema,
      passphraseEnv: envVarNameSchema.optional(),
    }),
    z.strictObject({ kind: z.literal('passwordEnv'), env: envVarNameSchema }),
  ],
  {
    error:
      'expected credentials by reference: SshCredentials.agent(), .privateKeyFile(path), .privateKeyEnv(VAR) or .passwordEnv(VAR)',
  },
);

export type SshCredentialsConfig = z.infer<typeof credentialsSchema>;
/** Credentials as a host prop takes them: an omitted agent socket variable is SSH_AUTH_SOCK. */
export type SshCredentialsProps = z.input<typeof credentialsSchema>;

/** Factories for the credential references a host accepts. */
export class SshCredentials {
  /** Keys held by the SSH agent whose socket is named by `socketEnv` (default `SSH_AUTH_SOCK`). */
  static agent(socketEnv = 'SSH_AUTH_SOCK'): SshCredentialsConfig {
    return { kind: 'agent', socketEnv };
  }
  /** A private key file on the machine that runs terraform; its passphrase, if any, in `passphraseEnv`. */
  static privateKeyFile(path: string, passphraseEnv?: string): SshCredentialsConfig {
    return { kind: 'privateKeyFile', path, ...(passphraseEnv ? { passphraseEnv } : {}) };
  }
  /** A private key held in an environment variable (typical for CI secrets). */
  static privateKeyEnv(env: string, passphraseEnv?: string): SshCredentialsConfig {
    return { kind: 'privateKeyEnv', env, ...(passphraseEnv ? { passphraseEnv } : {}) };
  }
  /** A password held in an environment variable. Prefer keys. */
  static passwordEnv(env: string): SshCredentialsConfig {
    return { kind: 'passwordEnv', env };
  }
}

/** The form `ssh-keygen -lf <key>` prints: "SHA256:" and 43 characters of unpadded base64. */
export const HOST_KEY_SHA256 = /^SHA256:[A-Za-z0-9+/]{43}$/;

const userSchema = stringOrToken(
  (v) => v.length > 0 && v.length <= 104 && !hasControlCharacters(v) && v.trim() === v,
  'expected a login name such as "admin" or "CORP\\\\svc-dataminer" without control characters or surrounding spaces',
);

const labelSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
  error: 'expected a short label: letters, digits, ".", "_" or "-" (it appears in step names and messages)',
});

export interface HostProps {
  /**
   * A short name for the host in messages and step names.
   * @default the address
   */
  readonly name?: string;
  /** IPv4, IPv6, DNS hostname, or a Token resolved at apply time. */
  readonly address: string;
  /** @default 22 */
  readonly port?: number;
  /** The SSH login name. */
  readonly user: string;
  /** @default "linux" */
  readonly os?: 'linux' | 'windows';
  /** Where the runner finds the credentials at apply time. */
  readonly credentials: SshCredentialsProps;
  /**
   * The pinned host key fingerprint, as `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints it.
   * Required unless `acceptUnknownHostKey` is true.
   */
  readonly hostKeySha256?: string;
  /**
   * Connect without verifying the host key. Exposes the credentials to whoever answers at the address.
   * @default false
   */
  readonly acceptUnknownHostKey?: boolean;
  /** A jump host to reach this host through. */
  readonly bastion?: HostProps;
  /**
   * Run commands through `sudo -n` (Linux only; the user needs passwordless sudo).
   * @default false
   */
  readonly sudo?: boolean;
  /**
   * How long the runner keeps retrying to connect, in total, before the step fails.
   * @default 30
   */
  readonly connectTimeoutSeconds?: number;
  /**
   * The longest any single remote command may run.
   * @default 300
   */
  readonly commandTimeoutSeconds?: number;
  /**
   * Backups kept per file the library writes on this host (the most recent ones; older ones are
   * deleted after each write). At least 1: the previous content is always kept.
   * @default 5
   */
  readonly keepBackups?: number;
}

const hostObject = z.strictObject({
  name: labelSchema.optional(),
  address: addressSchema,
  port: portSchema.default(22),
  user: userSchema,
  os: z.enum(['linux', 'windows'], { error: 'expected "linux" or "windows"' }).default('linux'),
  credentials: credentialsSchema,
  hostKeySha256: z
    .string()
    .regex(HOST_KEY_SHA256, {
      error:
        'expected the fingerprint as `ssh-keygen -lf <host key>.pub` prints it: "SHA256:" followed by 43 base64 characters',
    })
    .optional(),
  acceptUnknownHostKey: z.boolean().default(false),
  get bastion() {
    return hostSchema.optional();
  },
  sudo: z.boolean().default(false),
  connectTimeoutSeconds: durationSecondsSchema.default(30),
  commandTimeoutSeconds: durationSecondsSchema.default(300),
  keepBackups: z
    .number({ error: 'expected how many backups to keep per file, such as 5' })
    .int({ error: 'expected a whole number of backups, such as 5' })
    .min(1, { error: 'expected at least 1: the previous content of a file is always kept' })
    .max(1000, { error: 'expected at most 1000 backups per file' })
    .default(5),
});

export const hostSchema: z.ZodType<HostConfig, HostProps> = hostObject.superRefine(
  crossFieldRule((host, ctx) => {
    if (!host.hostKeySha256 && !host.acceptUnknownHostKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['hostKeySha256'],
        input: host.hostKeySha256,
        message:
          'a pinned host key is required: run `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host (or `ssh-keyscan -p PORT HOST | ssh-keygen -lf -` from a trusted network) and set hostKeySha256, or set acceptUnknownHostKey: true knowingly',
      });
    }
    if (host.hostKeySha256 && host.acceptUnknownHostKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['acceptUnknownHostKey'],
        input: host.acceptUnknownHostKey,
        message: 'set either hostKeySha256 or acceptUnknownHostKey: true, not both',
      });
    }
    if (host.sudo && host.os === 'windows') {
      ctx.addIssue({
        code: 'custom',
        path: ['sudo'],
        input: host.sudo,
        message:
          'sudo applies to Linux hosts only; on Windows log in as a user with the rights the steps need',
      });
    }
  }),
  EVEN_WITH_FIELD_ERRORS,
);

/** A host after validation and defaults: what the step specs and the runner carry. */
export interface HostConfig {
  readonly name?: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly os: 'linux' | 'windows';
  readonly credentials: SshCredentialsConfig;
  readonly hostKeySha256?: string;
  readonly acceptUnknownHostKey: boolean;
  readonly bastion?: HostConfig;
  readonly sudo: boolean;
  readonly connectTimeoutSeconds: number;
  readonly commandTimeoutSeconds: number;
  readonly keepBackups: number;
}

/** The name a host goes by in messages and step ids. */
export function hostLabel(host: Pick<HostConfig, 'name' | 'address'>): string {
  return host.name ?? host.address;
}
