/**
 * Databases reached with TLS: the servers DB.xml names for each `<DataBase>` with
 * `<TLSEnabled>true</TLSEnabled>`, and what the handshake from an agent says about them. With
 * self-signed certificates, the CA must be in Local Machine > Trusted Root Certification
 * Authorities on each agent, and the server names must resolve (Security_Cassandra_TLS). Pure.
 */
import { scanXml } from '../../src/edit/xml';
import { isIpv4 } from '../../src/schema/common';
import { attributes, databaseEntries, describeDatabase, textOf } from './parse';

/** CQL on 9042 with TLS too (the vendor removed 9142); search REST on 9200. */
const CQL_PORT = 9042;
const SEARCH_PORT = 9200;

export interface TlsDatabaseServer {
  readonly host: string;
  readonly port: number;
  /** `<DataBase type="CassandraCluster">`, for messages. */
  readonly database: string;
}

/** The servers of every TLS-enabled database, each once, in DB.xml's order. */
export function tlsDatabaseServers(dbXml: string): TlsDatabaseServer[] {
  const entries = databaseEntries(dbXml);
  const out: TlsDatabaseServer[] = [];
  const seen = new Set<string>();
  scanXml(dbXml)
    .children.filter((c) => c.name === 'DataBase')
    .forEach((db, i) => {
      const tls = db.children.find((c) => c.name === 'TLSEnabled');
      if (!tls || textOf(dbXml, tls).toLowerCase() !== 'true') return;
      const a = attributes(dbXml, db);
      const search = (a.search ?? '').toLowerCase() === 'true' || /elastic|opensearch/i.test(a.type ?? '');
      if (!search && !/cassandra/i.test(a.type ?? '')) return;
      const servers = db.children.find((c) => c.name === 'DBServer');
      for (const server of (servers ? textOf(dbXml, servers) : '').split(',')) {
        const parsed = hostAndPort(server.trim(), search ? SEARCH_PORT : CQL_PORT);
        if (!parsed || seen.has(`${parsed.host}:${parsed.port}`)) continue;
        seen.add(`${parsed.host}:${parsed.port}`);
        out.push({ ...parsed, database: describeDatabase(entries[i]) });
      }
    });
  return out;
}

/** `10.3.1.100:9200`, `https://es1:9200` or `db1`: its host and port. */
function hostAndPort(text: string, defaultPort: number): { host: string; port: number } | undefined {
  const m = /^(?:[a-z]+:\/\/)?([^:/\s]+)(?::(\d+))?\/?$/i.exec(text);
  return m ? { host: m[1], port: m[2] ? Number(m[2]) : defaultPort } : undefined;
}

/** What TLS_CHECK_PS printed after a completed handshake. */
export interface TlsHandshake {
  readonly errors: string;
  readonly issuer: string;
  readonly top: string;
  readonly machineRoot: boolean;
  readonly status: string;
}

export function parseTlsHandshake(text: string): TlsHandshake {
  const field = (name: string) =>
    new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1]?.replace(/\r$/, '').trim() ?? '';
  return {
    errors: field('errors'),
    issuer: field('issuer'),
    top: field('top'),
    machineRoot: field('machineRoot').toLowerCase() === 'true',
    status: field('status'),
  };
}

/** One agent's view of one server: the name resolved (or not), the handshake (or why none). */
export interface TlsServerView {
  readonly server: TlsDatabaseServer;
  /** Undefined when the host is an IP address. */
  readonly resolved?: readonly string[] | 'unresolved';
  readonly handshake: TlsHandshake | { readonly failed: string };
}

/**
 * Each problem an agent has reaching the TLS databases as DataMiner will: a name that does not
 * resolve, no handshake, or a certificate whose CA is not in the agent's Local Machine Trusted
 * Root store (the other agent's state is named, as the fix is to do as there).
 */
export function tlsDatabaseProblems(
  agents: readonly {
    readonly label: string;
    readonly role: string;
    readonly views: readonly TlsServerView[];
  }[],
): string[] {
  const problems: string[] = [];
  for (const agent of agents) {
    const other = agents.find((a) => a !== agent);
    for (const [i, view] of agent.views.entries()) {
      const where = `${view.server.host}:${view.server.port} (${view.server.database}, TLS)`;
      if (view.resolved === 'unresolved') {
        problems.push(
          `${agent.label} (${agent.role}) cannot resolve the database server name ${view.server.host}: with TLS, DataMiner reaches ${where} by its name; add it to DNS or to the agent's hosts file`,
        );
        continue;
      }
      if ('failed' in view.handshake) {
        problems.push(
          `${agent.label} (${agent.role}) completes no TLS handshake with ${where}: ${view.handshake.failed}`,
        );
        continue;
      }
      const otherView = other?.views[i]?.handshake;
      const otherTrusts = otherView !== undefined && !('failed' in otherView) && otherView.machineRoot;
      if (!view.handshake.machineRoot)
        problems.push(
          `${agent.label} (${agent.role}): the certificate of ${where} is issued by "${view.handshake.issuer}", whose CA ("${view.handshake.top}") is not in Local Machine > Trusted Root Certification Authorities: import the CA certificate (rootCa.crt) there${other ? (otherTrusts ? `, as on ${other.label} (${other.role})` : ` (${other.label} lacks it too)`) : ''}`,
        );
      else if (view.handshake.errors.includes('RemoteCertificateChainErrors'))
        problems.push(
          `${agent.label} (${agent.role}): the certificate chain of ${where} does not validate (${view.handshake.status || view.handshake.errors})`,
        );
    }
  }
  return problems;
}

/** Names among the servers (not IPv4 addresses): those that must resolve from the agents. */
export const serverNames = (servers: readonly TlsDatabaseServer[]) => [
  ...new Set(servers.map((s) => s.host).filter((h) => !isIpv4(h))),
];
