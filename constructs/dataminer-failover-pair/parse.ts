/** Pure readers of the DataMiner files and of what the Windows primitives print. */
import { escapeXml, scanXml } from '../../src/edit/xml';
import { isIpv4 } from '../../src/schema/common';

export type XmlNode = ReturnType<typeof scanXml>;

/** Every element named `name` below `node`, in document order. */
export function descendants(node: XmlNode, name: string): XmlNode[] {
  return node.children.flatMap((c) => [...(c.name === name ? [c] : []), ...descendants(c, name)]);
}

const unescape = (v: string) =>
  v
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** An element's attributes, unescaped. */
export function attributes(text: string, node: XmlNode): Record<string, string> {
  const tag = text.slice(node.start, node.startTagEnd);
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/\s([A-Za-z_][\w.:-]*)\s*=\s*("[^"]*"|'[^']*')/g))
    out[m[1]] = unescape(m[2].slice(1, -1));
  return out;
}

/** An element's text, tags dropped and whitespace collapsed. */
export function textOf(text: string, node: XmlNode): string {
  return unescape(text.slice(node.startTagEnd, node.contentEnd).replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

/** `<DataMiner id="7">`: the DataMiner ID. Missing: undefined. */
export function parseDataMinerId(xml: string): number | undefined {
  const root = scanXml(xml);
  if (root.name !== 'DataMiner') return undefined;
  const id = attributes(xml, root).id;
  return id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined;
}

export interface DmsView {
  readonly clusterName?: string;
  /** Every `<DMA>`: `ip` is an address, or a name for an agent added by hostname. */
  readonly agents: readonly { readonly ip: string; readonly id?: number; readonly byHostname: boolean }[];
  /** Every `<Failover>`, with its type and everything it says, for comparison. */
  readonly failovers: readonly {
    readonly type?: string;
    readonly hostname?: string;
    readonly text: string;
  }[];
}

/** DMS.xml: the cluster, its agents, and any Failover configured. */
export function parseDmsXml(xml: string): DmsView {
  const root = scanXml(xml);
  const cluster = root.name === 'Cluster' ? root : descendants(root, 'Cluster')[0];
  const agents = descendants(root, 'DMA').map((dma) => {
    const a = attributes(xml, dma);
    const ip = a.ip ?? a.IP ?? '';
    return {
      ip,
      ...(a.id && /^\d+$/.test(a.id) ? { id: Number(a.id) } : {}),
      byHostname: ip !== '' && !isIpv4(ip),
    };
  });
  const failovers = descendants(root, 'Failover').map((f) => {
    const type = descendants(f, 'FailoverType')[0];
    const hostname = descendants(f, 'Hostname')[0];
    return {
      ...(type ? { type: textOf(xml, type) } : {}),
      ...(hostname ? { hostname: textOf(xml, hostname) } : {}),
      text: `${xml.slice(f.start, f.startTagEnd)} ${textOf(xml, f)}`,
    };
  });
  const name = cluster ? attributes(xml, cluster).name : undefined;
  return { ...(name !== undefined ? { clusterName: name } : {}), agents, failovers };
}

/** The installed version: the last line of VersionHistory.txt, after its ";". Missing: undefined. */
export function parseVersionHistory(text: string): string | undefined {
  const last = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  if (!last) return undefined;
  return last.includes(';') ? last.slice(last.lastIndexOf(';') + 1).trim() : last;
}

/** MaintenanceSettings.xml `<HTTPS enabled=".." name=".."/>`. Missing element: disabled. */
export function parseHttps(xml: string): { enabled: boolean; name?: string } {
  const https = descendants(scanXml(xml), 'HTTPS')[0];
  if (!https) return { enabled: false };
  const a = attributes(xml, https);
  return { enabled: (a.enabled ?? '').toLowerCase() === 'true', ...(a.name ? { name: a.name } : {}) };
}

/** MaintenanceSettings.xml `<SLNet><BrokerGateway>true</BrokerGateway></SLNet>`: the agent was migrated to BrokerGateway. */
export function parseBrokerGateway(xml: string): boolean {
  return descendants(scanXml(xml), 'SLNet').some((slnet) =>
    descendants(slnet, 'BrokerGateway').some((b) => textOf(xml, b).toLowerCase() === 'true'),
  );
}

/** One `<DataBase>` of DB.xml, as its password is found: by its ID, else by its type. */
export interface DatabaseEntry {
  /** 1-based, among the `<DataBase>` elements. */
  readonly position: number;
  readonly id?: string;
  readonly type?: string;
  /** Its `<PWD>` holds something (an empty `<PWD/>` stays empty). */
  readonly hasPassword: boolean;
}

/** The `<DataBase>` entries of DB.xml, in order. */
export function databaseEntries(xml: string): DatabaseEntry[] {
  return scanXml(xml)
    .children.filter((c) => c.name === 'DataBase')
    .map((db, i) => {
      const a = attributes(xml, db);
      const pwd = db.children.find((c) => c.name === 'PWD');
      return {
        position: i + 1,
        ...(a.ID ? { id: a.ID } : {}),
        ...(a.type ? { type: a.type } : {}),
        hasPassword: pwd !== undefined && textOf(xml, pwd) !== '',
      };
    });
}

/** DB.xml registers the agent for Storage as a Service: a `<DataBase type="CloudStorage">`. */
export function usesCloudStorage(xml: string): boolean {
  return databaseEntries(xml).some((e) => (e.type ?? '').toLowerCase() === 'cloudstorage');
}

/** `<DataBase ID="es1">`, `<DataBase type="CassandraCluster">` or `<DataBase> #3`: for messages. */
export function describeDatabase(entry: DatabaseEntry): string {
  if (entry.id) return `<DataBase ID="${entry.id}">`;
  if (entry.type) return `<DataBase type="${entry.type}">`;
  return `<DataBase> #${entry.position}`;
}

/**
 * The backup's DB.xml with the primary's `<DataBases>` content, the `<PWD>` of each database that
 * has one replaced by its own plain text (`passwords` by position; DataMiner encrypts it at
 * startup). An empty `<PWD/>` stays empty. The backup's declaration and root tag stay.
 */
export function withDataBasesOf(
  backupXml: string,
  primaryXml: string,
  passwords: ReadonlyMap<number, string>,
): string {
  const root = scanXml(backupXml);
  if (root.name !== 'DataBases')
    throw new Error(`the backup's DB.xml root is <${root.name}>, not <DataBases>`);
  const primaryRoot = scanXml(primaryXml);
  if (primaryRoot.name !== 'DataBases')
    throw new Error(`the primary's DB.xml root is <${primaryRoot.name}>, not <DataBases>`);
  let content = '';
  let at = primaryRoot.startTagEnd;
  primaryRoot.children
    .filter((c) => c.name === 'DataBase')
    .forEach((db, i) => {
      const pwd = db.children.find((c) => c.name === 'PWD');
      const password = passwords.get(i + 1);
      if (!pwd || password === undefined || textOf(primaryXml, pwd) === '') return;
      content += `${primaryXml.slice(at, pwd.start)}<PWD>${escapeXml(password)}</PWD>`;
      at = pwd.end;
    });
  content += primaryXml.slice(at, primaryRoot.contentEnd);
  if (root.selfClosing) {
    const open = backupXml.slice(root.start, root.startTagEnd).replace(/\s*\/>$/, '>');
    return `${backupXml.slice(0, root.start)}${open}${content}</DataBases>${backupXml.slice(root.end)}`;
  }
  return backupXml.slice(0, root.startTagEnd) + content + backupXml.slice(root.contentEnd);
}

/** The databases of DB.xml, normalized for comparison: attributes and child texts, `<PWD>` left out. */
export function databasesForComparison(xml: string): string[] {
  const root = scanXml(xml);
  return root.children
    .filter((c) => c.name === 'DataBase')
    .map((db) => {
      const attrs = Object.entries(attributes(xml, db)).sort(([a], [b]) => a.localeCompare(b));
      const children = db.children
        .filter((c) => c.name !== 'PWD')
        .map((c) => `${c.name}=${textOf(xml, c)}`)
        .sort();
      return JSON.stringify([attrs, children]);
    });
}

/** Search database IDs of DB.xml that more than one `<DataBase search="true">` carries. */
export function duplicateSearchIds(xml: string): string[] {
  const seen = new Map<string, number>();
  for (const db of scanXml(xml).children.filter((c) => c.name === 'DataBase')) {
    const a = attributes(xml, db);
    if ((a.search ?? '').toLowerCase() === 'true' && a.ID) seen.set(a.ID, (seen.get(a.ID) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}

/** `<DataBase ... ID="x" priorityOrder="n">` search databases of DB.xml: their positions (1-based) by ID. */
export function searchDatabaseIds(xml: string): Map<string, number> {
  const root = scanXml(xml);
  const out = new Map<string, number>();
  root.children
    .filter((c) => c.name === 'DataBase')
    .forEach((db, i) => {
      const a = attributes(xml, db);
      if ((a.search ?? '').toLowerCase() === 'true' && a.ID) out.set(a.ID, i + 1);
    });
  return out;
}

/** LIST_ADAPTER_ADDRESSES_PS: adapters in order, each with its addresses. */
export function parseAdapters(text: string): Adapter[] {
  const adapters: Adapter[] = [];
  for (const line of text.split(/\r?\n/)) {
    const [name, mac, physical, address] = line.split('\t').map((s) => s?.trim());
    if (!name || !address) continue;
    const known = adapters.find((a) => a.name === name);
    if (known) known.addresses.push(address);
    else
      adapters.push({
        name,
        mac: normalizeMac(mac ?? ''),
        physical: physical === 'True',
        addresses: [address],
      });
  }
  return adapters;
}

export interface Adapter {
  readonly name: string;
  /** Upper case, dash-separated: 02-CF-18-00-0C-01. */
  readonly mac: string;
  readonly physical: boolean;
  readonly addresses: string[];
}

/** 02-cf-18-00-0c-01, 02:CF:18:00:0C:01 or 02CF18000C01 → 02-CF-18-00-0C-01. */
export function normalizeMac(mac: string): string {
  const hex = mac.replace(/[^0-9A-Fa-f]/g, '').toUpperCase();
  return hex.length === 12 ? hex.match(/../g)!.join('-') : mac.trim().toUpperCase();
}

/** DataMiner.xml `<NetworkAdapters><MAC>…</MAC>…`: the MACs of the adapters DataMiner uses, in order. */
export function parseNetworkAdapterMacs(xml: string): string[] {
  return descendants(scanXml(xml), 'NetworkAdapters').flatMap((list) =>
    descendants(list, 'MAC')
      .map((mac) => textOf(xml, mac))
      .filter(Boolean)
      .map(normalizeMac),
  );
}

/**
 * The adapters in use, in their order: those DataMiner.xml's <NetworkAdapters> lists, by MAC;
 * without that element, the physical adapters (Hyper-V, VPN and other virtual ones do not count).
 */
export function adaptersInUse(
  adapters: readonly Adapter[],
  dataMinerXml: string | undefined,
): { adapters: Adapter[]; basis: string } {
  const macs = dataMinerXml ? parseNetworkAdapterMacs(dataMinerXml) : [];
  if (macs.length > 0)
    return {
      adapters: macs.flatMap((mac) => adapters.filter((a) => a.mac === mac)),
      basis: "DataMiner.xml's <NetworkAdapters>",
    };
  return {
    adapters: adapters.filter((a) => a.physical),
    basis: 'the physical adapters: DataMiner.xml has no <NetworkAdapters>',
  };
}

/** ANSWERS_AT_PS: "icmp", "arp <mac>" or "none". */
export function parseAnswer(text: string): { answered: false } | { answered: true; how: string } {
  const line = text.trim().split(/\r?\n/)[0] ?? '';
  return line === 'none' || line === '' ? { answered: false } : { answered: true, how: line };
}
