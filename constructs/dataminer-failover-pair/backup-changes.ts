/**
 * What the backup's files must become: the primary's DataMiner ID; for dedicated clustered storage
 * the primary's `<DataBases>` with the plain-text password, the backup's own priorityOrder, and
 * before 10.4.0/10.4.2 the primary's DBConfiguration.xml. Pure: current files in, writes out.
 */
import { setXmlValues } from '../../src/edit/xml';
import { DB_CONFIGURATION_FILE } from './commands';
import type { AgentFacts } from './facts';
import { databasesForComparison, duplicateSearchIds, searchDatabaseIds, withDataBasesOf } from './parse';
import type { StorageConfig } from './props';
import { DataMinerVersion, searchClustersInDbConfiguration } from './versions';

export interface FileChange {
  /** Relative to the install folder. */
  readonly relative: string;
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
): FileChange[] {
  const changes: FileChange[] = [];
  if (primary.id !== undefined && backup.id !== primary.id && backup.dataMinerXml !== undefined)
    changes.push({
      relative: 'DataMiner.xml',
      content: setXmlValues(backup.dataMinerXml, [{ key: 'DataMiner@id', value: String(primary.id) }]),
      why: `DataMiner ID ${backup.id} → ${primary.id}`,
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
    changes.push({ relative: 'DB.xml', content: wanted, why: "the primary's database configuration" });
  const config = primary.dbConfiguration;
  if (config && searchClustersInDbConfiguration(version) && backup.dbConfiguration?.xml !== config.xml)
    changes.push({
      relative: `${config.folder}\\${DB_CONFIGURATION_FILE}`,
      content: config.xml,
      why: `the primary's search clusters (${config.folder}\\${DB_CONFIGURATION_FILE})`,
    });
  return changes;
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
