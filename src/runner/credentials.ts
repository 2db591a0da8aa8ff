import * as fs from 'node:fs';
import type { ConnectConfig } from 'ssh2';
import { StepFailure } from '../errors';
import type { SshCredentialsConfig } from '../schema/host';

type Env = Readonly<Record<string, string | undefined>>;

function fromEnv(env: Env, name: string, what: string, hostLabel: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new StepFailure(
      `${hostLabel}: the environment variable ${name} (${what}) is not set in the environment of terraform.`,
    );
  }
  return value;
}

/**
 * Reads the secret a credential reference points to, at apply time. Messages name the reference
 * (variable, file), never the secret.
 */
export function resolveCredentials(
  credentials: SshCredentialsConfig,
  hostLabel: string,
  env: Env = process.env,
): Pick<ConnectConfig, 'agent' | 'privateKey' | 'passphrase' | 'password'> {
  switch (credentials.kind) {
    case 'agent':
      return { agent: fromEnv(env, credentials.socketEnv, 'the SSH agent socket', hostLabel) };
    case 'privateKeyFile': {
      let privateKey: Buffer;
      try {
        privateKey = fs.readFileSync(credentials.path);
      } catch (error) {
        throw new StepFailure(
          `${hostLabel}: cannot read the private key file ${credentials.path} (${(error as NodeJS.ErrnoException).code}).`,
        );
      }
      const passphrase = credentials.passphraseEnv
        ? fromEnv(env, credentials.passphraseEnv, 'the key passphrase', hostLabel)
        : undefined;
      return { privateKey, ...(passphrase ? { passphrase } : {}) };
    }
    case 'privateKeyEnv': {
      const privateKey = fromEnv(env, credentials.env, 'the private key', hostLabel);
      const passphrase = credentials.passphraseEnv
        ? fromEnv(env, credentials.passphraseEnv, 'the key passphrase', hostLabel)
        : undefined;
      return { privateKey, ...(passphrase ? { passphrase } : {}) };
    }
    case 'passwordEnv':
      return { password: fromEnv(env, credentials.env, 'the password', hostLabel) };
  }
}
