/**
 * What the backup's files must become: the primary's DataMiner ID and external authentication
 * (SAML) with its metadata files; a redirect to the primary when the primary uses DMS.xml
 * redirects; for dedicated clustered storage the primary's `<DataBases>` with the plain-text
 * passwords, the backup's own priorityOrder, and before 10.4.0/10.4.2 the primary's
 * DBConfiguration.xml. Pure: current files in, writes out.
 */
import { setXmlValues } from '../../src/edit/xml';
import { DB_CONFIGURATION_FILE } from './commands';
import type { AgentFacts } from './facts';
import { withRedirect } from './redirects';
import { withExternalAuthOf } from './saml';
import { databasesForComparison, duplicateSearchIds, searchDatabaseIds, withDataBasesOf } from './parse';
import type { StorageConfig } from './props';
import { DataMinerVersion, searchClustersInDbConfiguration } from './versions';

export interface FileChange {
  /** Relative to the install folder, or a full Windows path (a SAML metadata file). */
  readonly path: string;
  readonly content: string;
  /** For the progress line. */
  readonly why: string;
}

export function backupChanges(
  primary: AgentFacts,
  backup: AgentFacts,
  storage: StorageConfig,
  version: DataMinerVersion,
  /** Each database's plain-text password, by its position in the primary's DB.xml. */
  passwords: ReadonlyMap<number, string>,
  extras: BackupExtras = {},
): FileChange[] {
  const changes: FileChange[] = [...dataMinerXmlChange(primary, backup)];
  for (const file of extras.metadataFiles ?? [])
    if (file.backup !== file.primary)
      changes.push({
        path: file.path,
        content: file.primary,
        why: `the primary's SAML metadata ${file.path}`,
      });
  if (extras.redirectLine !== undefined && backup.dmsXml !== undefined)
    changes.push({
      path: 'DMS.xml',
      content: withRedirect(backup.dmsXml, extras.redirectLine),
      why: 'a redirect to the primary in DMS.xml',
    });
  if (storage.type !== 'dedicated-clustered' || primary.dbXml === undefined || backup.dbXml === undefined)
    return changes;
  let wanted = withDataBasesOf(backup.dbXml, primary.dbXml, passwords);
  const positions = searchDatabaseIds(wanted);
  wanted = setXmlValues(
    wanted,
    Object.entries(storage.backupPriorityOrder).map(([id, order]) => ({
      key: `DataBases/DataBase[${positions.get(id)}]@priorityOrder`,
      value: String(order),
    })),
  );
  // An encrypted <PWD> differs on every agent: the databases are compared without it.
  if (databasesForComparison(wanted).join('\n') !== databasesForComparison(backup.dbXml).join('\n'))
    changes.push({ path: 'DB.xml', content: wanted, why: "the primary's database configuration" });
  const config = primary.dbConfiguration;
  if (config && searchClustersInDbConfiguration(version) && backup.dbConfiguration?.xml !== config.xml)
    changes.push({
      path: `${config.folder}\\${DB_CONFIGURATION_FILE}`,
      content: config.xml,
      why: `the primary's search clusters (${config.folder}\\${DB_CONFIGURATION_FILE})`,
    });
  return changes;
}

/** What the backup's files need beyond the facts: read in a second round trip, or secrets. */
export interface BackupExtras {
  /** The `<Redirect>` line the backup's DMS.xml lacks (with its plain-text password). */
  readonly redirectLine?: string;
  /** The SAML metadata files DataMiner.xml names: the primary's content, and the backup's if any. */
  readonly metadataFiles?: readonly { path: string; primary: string; backup?: string }[];
}

/** DataMiner.xml: the primary's ID and its external authentication, in one write. */
function dataMinerXmlChange(primary: AgentFacts, backup: AgentFacts): FileChange[] {
  if (backup.dataMinerXml === undefined) return [];
  let content = backup.dataMinerXml;
  const why: string[] = [];
  if (primary.id !== undefined && backup.id !== primary.id) {
    content = setXmlValues(content, [{ key: 'DataMiner@id', value: String(primary.id) }]);
    why.push(`DataMiner ID ${backup.id} → ${primary.id}`);
  }
  const withAuth = primary.dataMinerXml ? withExternalAuthOf(content, primary.dataMinerXml) : undefined;
  if (withAuth !== undefined) {
    content = withAuth;
    why.push("the primary's external authentication (SAML)");
  }
  return why.length > 0 ? [{ path: 'DataMiner.xml', content, why: why.join('; ') }] : [];
}

/**
 * What stops backupPriorityOrder from naming one search database each: an ID the primary's DB.xml
 * does not have, or an ID it gives more than one search database (the vendor's own example repeats
 * one; the order would land on whichever came last).
 */
export function priorityOrderProblems(primaryDbXml: string, storage: StorageConfig): string[] {
  if (storage.type !== 'dedicated-clustered') return [];
  const named = Object.keys(storage.backupPriorityOrder);
  if (named.length === 0) return [];
  const ids = searchDatabaseIds(primaryDbXml);
  const unknown = named.filter((id) => !ids.has(id));
  const duplicates = duplicateSearchIds(primaryDbXml);
  return [
    ...(unknown.length > 0
      ? [
          `storage.backupPriorityOrder names ${unknown.join(', ')}, which the primary's DB.xml has no search database ID for`,
        ]
      : []),
    ...(duplicates.length > 0
      ? [
          `the primary's DB.xml gives the search database ID ${duplicates.map((id) => `"${id}"`).join(', ')} to more than one <DataBase search="true">: give each search database its own ID in the primary's DB.xml, then set storage.backupPriorityOrder`,
        ]
      : []),
  ];
}
