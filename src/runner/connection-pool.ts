/**
 * One SSH session per connection for the whole step, shared by the actions that reach the same
 * host the same way. Two host configs share a session only when every setting that shapes the
 * connection is the same: the session's shell runs under `sudo` or not, trusts the key it pinned,
 * and goes through its own bastion.
 */
import type { HostConfig } from '../schema/host';
import { RemoteHost, Traffic } from './remote-host';
import type { CommandExecutor } from './remote-host';

/** A session to one host; closed once the step is over. */
export interface PooledSession extends CommandExecutor {
  close(): void;
}

/**
 * What identifies a connection: every field of the host config but those that only shape what
 * runs over it (its name in messages, command timeouts, backups kept), the bastion's recursively.
 */
export function connectionKey(host: HostConfig): string {
  const identity = (h: HostConfig): unknown[] => [
    h.user,
    h.address,
    h.port,
    h.os,
    h.sudo,
    h.credentials,
    h.hostKeySha256 ?? null,
    h.acceptUnknownHostKey,
    h.connectTimeoutSeconds,
    h.bastion ? identity(h.bastion) : null,
  ];
  return JSON.stringify(identity(host));
}

export function connectionPool(traffic: Traffic, open: (host: HostConfig) => Promise<PooledSession>) {
  const sessions = new Map<string, Promise<PooledSession>>();
  const connect = async (host: HostConfig): Promise<RemoteHost> => {
    const key = connectionKey(host);
    if (!sessions.has(key)) sessions.set(key, open(host));
    return new RemoteHost(host, await sessions.get(key)!, undefined, traffic);
  };
  const closeAll = async () => {
    for (const pending of sessions.values()) (await pending.catch(() => undefined))?.close();
  };
  return { connect, closeAll };
}
