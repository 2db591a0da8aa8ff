/**
 * Pure readers of what nodetool prints, and the version rules. No I/O: the runner actions feed
 * them command output, the tests feed them the formats of the reference.
 */

const RELEASE = /^\d+(\.\d+){1,3}$/;

/** "3.7", "3.11.4", "3.11.3.5115" (DataStax builds): 2 to 4 numeric parts. */
export function isReleaseVersion(value: unknown): value is string {
  return typeof value === 'string' && RELEASE.test(value);
}

/** The release from `nodetool version` ("ReleaseVersion: 3.11.4"), or undefined when the output holds none. */
export function parseReleaseVersion(output: string): string | undefined {
  const match = /^\s*ReleaseVersion:\s*(\S+)\s*$/m.exec(output);
  return match && isReleaseVersion(match[1]) ? match[1] : undefined;
}

/** The first line FIRST_DATA_FILE_SCRIPT / _PS printed (a file below the data directory), or undefined for none. */
export function parseFirstDataFile(output: string): string | undefined {
  const first = output.trim().split(/\r?\n/)[0];
  return first ? first : undefined;
}

/** Numeric order of two releases; a missing part counts as 0 ("3.11" < "3.11.1"). */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export interface NodeRelease {
  readonly node: string;
  readonly release: string;
}

/**
 * The problem with a pair's releases, as a sentence, or undefined when they agree (and match the
 * pin). Mixed releases allow no schema change, repair or topology change, so the older node is
 * updated first.
 */
export function releaseProblem(
  releases: readonly [NodeRelease, NodeRelease],
  expected?: string,
): string | undefined {
  const [a, b] = releases;
  if (expected !== undefined) {
    const off = releases.filter((r) => r.release !== expected);
    if (off.length === 0) return undefined;
    const list = off.map((r) => `${r.node} runs ${r.release}`).join(' and ');
    const order = [...off].sort((x, y) => compareReleases(x.release, y.release));
    const first = order[0];
    const advice =
      off.length === 2 && a.release !== b.release
        ? `update ${first.node} (${first.release}) first, then ${order[1].node}`
        : `update ${first.node} to ${expected}`;
    return `expectedReleaseVersion is ${expected}, but ${list}: ${advice}, one node at a time, before deploying again.`;
  }
  if (a.release === b.release) return undefined;
  const [older, newer] = compareReleases(a.release, b.release) <= 0 ? [a, b] : [b, a];
  return `the nodes run different Cassandra releases: ${a.node} ${a.release}, ${b.node} ${b.release}. Mixed releases allow no schema change, repair or topology change: update ${older.node} (${older.release}) to ${newer.release} first, then deploy again.`;
}

export interface StatusEntry {
  readonly datacenter?: string;
  /** U (up) or D (down). */
  readonly status: 'U' | 'D';
  /** N (normal), L (leaving), J (joining), M (moving). */
  readonly state: 'N' | 'L' | 'J' | 'M';
  readonly address: string;
  /** The two letters as printed: "UN". */
  readonly code: string;
}

/** The node lines of `nodetool status`. */
export function parseNodetoolStatus(output: string): StatusEntry[] {
  const entries: StatusEntry[] = [];
  let datacenter: string | undefined;
  for (const line of output.split(/\r?\n/)) {
    const dc = /^Datacenter:\s*(.*?)\s*$/.exec(line);
    if (dc) {
      datacenter = dc[1];
      continue;
    }
    const node = /^([UD])([NLJM])\s+(\S+)\s/.exec(line);
    if (node) {
      entries.push({
        ...(datacenter !== undefined ? { datacenter } : {}),
        status: node[1] as 'U' | 'D',
        state: node[2] as StatusEntry['state'],
        address: stripPort(node[3]),
        code: `${node[1]}${node[2]}`,
      });
    }
  }
  return entries;
}

export interface KeyspaceReplication {
  readonly keyspace: string;
  /** The smallest replication factor of any datacenter. */
  readonly replicationFactor: number;
}

export interface ClusterDescription {
  readonly name?: string;
  readonly schemaVersions: readonly { readonly version: string; readonly addresses: readonly string[] }[];
  readonly unreachable: readonly string[];
  /** Listed by Cassandra 4.x only (the "Keyspaces:" section). */
  readonly keyspaces: readonly KeyspaceReplication[];
}

/** "10.0.0.1:7000" → "10.0.0.1"; "[fd00::1]:7000" → "fd00::1"; anything else as is. */
export function stripPort(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1];
  const v4 = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(address);
  return v4 ? v4[1] : address;
}

function addressList(text: string): string[] {
  return text
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((a) => stripPort(a.trim()))
    .filter(Boolean);
}

/** `nodetool describecluster`: the name, the schema versions with their addresses, UNREACHABLE, and (4.x) keyspaces. */
export function parseDescribeCluster(output: string): ClusterDescription {
  let name: string | undefined;
  const schemaVersions: { version: string; addresses: string[] }[] = [];
  const unreachable: string[] = [];
  const keyspaces: KeyspaceReplication[] = [];
  let section: 'none' | 'schema' | 'keyspaces' = 'none';
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const nameMatch = /^Name:\s*(.*)$/.exec(line);
    if (nameMatch && section === 'none') {
      name = nameMatch[1];
      continue;
    }
    if (/^Schema versions:$/.test(line)) {
      section = 'schema';
      continue;
    }
    if (/^Keyspaces:$/.test(line)) {
      section = 'keyspaces';
      continue;
    }
    if (!/^\s/.test(raw)) {
      // A heading at the left margin ("Stats for all nodes:") ends the section before it.
      section = 'none';
      continue;
    }
    if (section === 'schema') {
      const entry = /^(\S+):\s*(\[.*\])$/.exec(line);
      if (!entry) {
        if (/^\S+:$/.test(line) && !/^[0-9a-f-]{36}:$/i.test(line)) section = 'none';
        continue;
      }
      if (entry[1] === 'UNREACHABLE') unreachable.push(...addressList(entry[2]));
      else schemaVersions.push({ version: entry[1], addresses: addressList(entry[2]) });
    } else if (section === 'keyspaces') {
      const ks = /^(\S+)\s+->\s+Replication class:\s*\S+\s*\{(.*)\}$/.exec(line);
      if (!ks) continue;
      const factors = [...ks[2].matchAll(/([\w.-]+)=(\d+)/g)]
        .filter((m) => m[1] !== 'class')
        .map((m) => Number(m[2]));
      if (factors.length > 0) keyspaces.push({ keyspace: ks[1], replicationFactor: Math.min(...factors) });
    }
  }
  return { ...(name !== undefined ? { name } : {}), schemaVersions, unreachable, keyspaces };
}

/** What is wrong with a healthy-looking cluster from one node's view, one sentence per problem. */
export function clusterProblems(
  viewOf: string,
  status: readonly StatusEntry[],
  description: ClusterDescription,
  expectedAddresses: readonly string[],
  expectedName?: string,
): string[] {
  const problems: string[] = [];
  for (const address of expectedAddresses) {
    const entry = status.find((e) => e.address === address);
    if (!entry)
      problems.push(
        `nodetool status on ${viewOf} does not list ${address}: the nodes do not form one cluster (check cluster_name and that both use the same seeds)`,
      );
    else if (entry.code !== 'UN')
      problems.push(`nodetool status on ${viewOf} shows ${address} as ${entry.code}, expected UN`);
  }
  if (description.schemaVersions.length !== 1) {
    problems.push(
      description.schemaVersions.length === 0
        ? `nodetool describecluster on ${viewOf} lists no schema version`
        : `nodetool describecluster on ${viewOf} lists ${description.schemaVersions.length} schema versions (${description.schemaVersions.map((s) => `${s.version}: ${s.addresses.join(', ')}`).join('; ')}); expected one agreed by both nodes`,
    );
  } else {
    const missing = expectedAddresses.filter((a) => !description.schemaVersions[0].addresses.includes(a));
    if (missing.length > 0)
      problems.push(`the schema version on ${viewOf} is not held by ${missing.join(', ')}`);
  }
  if (description.unreachable.length > 0)
    problems.push(
      `nodetool describecluster on ${viewOf} reports UNREACHABLE: ${description.unreachable.join(', ')}`,
    );
  if (expectedName !== undefined && description.name !== undefined && description.name !== expectedName) {
    problems.push(`${viewOf} belongs to cluster "${description.name}", expected "${expectedName}"`);
  }
  return problems;
}
