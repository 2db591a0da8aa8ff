/**
 * Hosts share an SSH session only when they are reached the same way: a step that reaches one
 * address once with sudo and once without, or through two bastions, must not run the second over
 * the first's session.
 */
import type { HostConfig } from '../../src/schema/host';
import { connectionKey, connectionPool, PooledSession } from '../../src/runner/connection-pool';
import { Traffic } from '../../src/runner/remote-host';
import { LOCAL_HOST } from '../support/local-executor';

const bastion: HostConfig = { ...LOCAL_HOST, name: 'jump', address: '198.18.0.2' };
const base: HostConfig = {
  ...LOCAL_HOST,
  address: '198.18.0.10',
  hostKeySha256: `SHA256:${'a'.repeat(43)}`,
  bastion,
};

/** Each change to a setting that shapes the connection. */
const variants: Record<string, HostConfig> = {
  sudo: { ...base, sudo: true },
  'pinned key': { ...base, hostKeySha256: `SHA256:${'b'.repeat(43)}` },
  acceptUnknownHostKey: { ...base, acceptUnknownHostKey: false },
  'bastion port': { ...base, bastion: { ...bastion, port: 2222 } },
  'bastion user': { ...base, bastion: { ...bastion, user: 'jumper' } },
  'bastion pinned key': { ...base, bastion: { ...bastion, hostKeySha256: `SHA256:${'c'.repeat(43)}` } },
  'no bastion': { ...base, bastion: undefined },
  credentials: { ...base, credentials: { kind: 'privateKeyEnv', env: 'OTHER_KEY' } },
  user: { ...base, user: 'deploy' },
  port: { ...base, port: 2200 },
  os: { ...base, os: 'windows' },
};

/** A pool whose sessions are recorded, not opened. */
function recordingPool() {
  const opened: HostConfig[] = [];
  const closed: HostConfig[] = [];
  const pool = connectionPool(new Traffic(), (host) => {
    opened.push(host);
    const session: PooledSession = {
      exec: () => Promise.reject(new Error('not used')),
      close: () => closed.push(host),
    };
    return Promise.resolve(session);
  });
  return { pool, opened, closed };
}

describe('the connection pool', () => {
  it.each(Object.keys(variants))('opens a second session when only the %s differs', async (name) => {
    const { pool, opened, closed } = recordingPool();
    await pool.connect(base);
    await pool.connect(variants[name]);
    expect(opened).toEqual([base, variants[name]]);
    await pool.closeAll();
    expect(closed).toHaveLength(2);
  });

  it('shares one session between configs that differ only in what runs over it', async () => {
    const { pool, opened } = recordingPool();
    await pool.connect(base);
    await pool.connect({ ...base, name: 'other-label', commandTimeoutSeconds: 600, keepBackups: 1 });
    expect(opened).toHaveLength(1);
  });

  it('gives every variant its own key', () => {
    const keys = new Set([base, ...Object.values(variants)].map(connectionKey));
    expect(keys.size).toBe(Object.keys(variants).length + 1);
  });
});
