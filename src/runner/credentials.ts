import * as fs from 'node:fs';
import { utils, type ConnectConfig } from 'ssh2';
import { StepFailure } from '../errors';
import type { SshCredentialsConfig } from '../schema/host';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A secret held in an environment variable of terraform's process: its value, or a failure naming
 * the variable and what it is for (never a value).
 */
export function secretFromEnv(name: string, what: string, env: Env = process.env): string {
  const value = env[name];
  if (value === undefined)
    throw new StepFailure(
      `the environment variable ${name} (${what}) is not set in the environment of terraform.`,
    );
  if (value.trim() === '')
    throw new StepFailure(
      `the environment variable ${name} (${what}) is set but empty in the environment of terraform.`,
    );
  return value;
}

/** The text with every occurrence of the secret masked: for command output that is reported. */
export function redactSecret(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('********') : text;
}

function fromEnv(env: Env, name: string, what: string, hostLabel: string): string {
  try {
    return secretFromEnv(name, what, env);
  } catch (error) {
    throw new StepFailure(`${hostLabel}: ${(error as Error).message}`);
  }
}

/**
 * A key that cannot be used is a problem on this machine, found before any connection: say so,
 * naming where the key came from (never the key), instead of blaming the host or the network.
 */
function usableKey(
  privateKey: string | Buffer,
  passphrase: string | undefined,
  source: string,
  hostLabel: string,
): void {
  const parsed = utils.parseKey(privateKey, passphrase);
  const error = parsed instanceof Error ? parsed : undefined;
  if (!error) return;
  const encrypted = /encrypted|passphrase/i.test(error.message);
  throw new StepFailure(
    `${hostLabel}: the private key in ${source} cannot be used (${error.message})${
      encrypted && !passphrase
        ? '; it is encrypted: name the variable holding its passphrase in passphraseEnv'
        : ''
    }. This is a problem on this machine, not on the host; nothing was attempted there.`,
  );
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
      usableKey(privateKey, passphrase, `the file ${credentials.path}`, hostLabel);
      return { privateKey, ...(passphrase ? { passphrase } : {}) };
    }
    case 'privateKeyEnv': {
      const privateKey = fromEnv(env, credentials.env, 'the private key', hostLabel);
      const passphrase = credentials.passphraseEnv
        ? fromEnv(env, credentials.passphraseEnv, 'the key passphrase', hostLabel)
        : undefined;
      usableKey(privateKey, passphrase, `the environment variable ${credentials.env}`, hostLabel);
      return { privateKey, ...(passphrase ? { passphrase } : {}) };
    }
    case 'passwordEnv':
      return { password: fromEnv(env, credentials.env, 'the password', hostLabel) };
  }
}
