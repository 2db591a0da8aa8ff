import { SshCredentials } from '../../index';

/** A pinned host key of the right form, for props that are synthesized and never connected to. */
export const PINNED_KEY = `SHA256:${'k'.repeat(43)}`;

/** Host props for synth tests: user `deploy`, the key pinned, the private key in DEPLOY_SSH_KEY. */
export const synthHost = (name: string, address: string) => ({
  name,
  address,
  user: 'deploy',
  hostKeySha256: PINNED_KEY,
  credentials: SshCredentials.privateKeyEnv('DEPLOY_SSH_KEY'),
});
