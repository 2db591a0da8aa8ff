/**
 * Preflight checks that need a round trip of their own, after the agents' facts: the TLS databases
 * as each agent reaches them, and the SAML metadata files the primary names. Each returns problems;
 * nothing is changed.
 */
import type { RemoteHost } from '../../src/runner/remote-host';
import { tlsDatabaseProblems, tlsDatabaseServers, serverNames, TlsServerView } from './database-tls';
import { factCalls } from './facts';
import { metadataFiles } from './saml';

interface Side {
  readonly host: RemoteHost;
  readonly role: 'primary' | 'backup';
}

/**
 * Each TLS-enabled database of the primary's DB.xml (which the backup gets), from both agents side
 * by side, one round trip each: its name resolves, a handshake completes, its CA is in Local Machine
 * > Trusted Root Certification Authorities.
 */
export async function databaseTlsProblems(sides: readonly Side[], primaryDbXml: string): Promise<string[]> {
  const servers = tlsDatabaseServers(primaryDbXml);
  if (servers.length === 0) return [];
  const names = serverNames(servers);
  const agents = await Promise.all(
    sides.map(async ({ host, role }) => {
      const results = await host.batch([
        ...names.map((name) => factCalls.resolution.call(name)),
        ...servers.map((server) => factCalls.tlsHandshake.call(server)),
      ]);
      const resolved = new Map(
        names.map((name, i) => [name, factCalls.resolution.read(host, results[i], name)] as const),
      );
      const views: TlsServerView[] = servers.map((server, i) => {
        const addresses = resolved.get(server.host);
        return {
          server,
          ...(resolved.has(server.host)
            ? { resolved: addresses && addresses.length > 0 ? addresses : ('unresolved' as const) }
            : {}),
          handshake: factCalls.tlsHandshake.read(results[names.length + i]),
        };
      });
      return { label: host.label, role, views };
    }),
  );
  return tlsDatabaseProblems(agents);
}

/** The SAML metadata files the primary's DataMiner.xml names are there to copy. */
export async function samlProblems(primary: RemoteHost, dataMinerXml: string | undefined): Promise<string[]> {
  if (dataMinerXml === undefined) return [];
  const { paths, unclear } = metadataFiles(dataMinerXml);
  const problems = unclear.map(
    (value) =>
      `${primary.label} (primary): DataMiner.xml names the SAML metadata "${value}", neither a full path nor a URL: name it by its full path (the construct copies it to the backup) or by URL`,
  );
  if (paths.length === 0) return problems;
  const results = await primary.batch(paths.map((path) => factCalls.pathExists.call(path)));
  paths.forEach((path, i) => {
    if (!factCalls.pathExists.read(results[i]))
      problems.push(
        `${primary.label} (primary): DataMiner.xml names the SAML metadata file ${path}, which is not there: the backup needs a copy of it`,
      );
  });
  return problems;
}
