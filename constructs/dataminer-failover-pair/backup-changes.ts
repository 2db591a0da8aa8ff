/**
 * What the backup's files must become: the primary's DataMiner ID; for dedicated clustered storage
 * the primary's `<DataBases>` with the plain-text password, the backup's own priorityOrder, and
 * before 10.4.0/10.4.2 the primary's DBConfiguration.xml. Pure: current files in, writes out.
 */
import { setXmlValues } from '../../src/edit/xml';
import { DB_CONFIGURATION_FILE } from './commands';
import type { AgentFacts } from './facts';
import { databasesForComparison, searchDatabaseIds, withDataBasesOf } from './parse';
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
  password: string | undefined,
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
  let wanted = withDataBasesOf(backup.dbXml, primary.dbXml, password ?? '');
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

/** Search database IDs given in backupPriorityOrder that the primary's DB.xml does not have. */
export function unknownPriorityIds(primaryDbXml: string, storage: StorageConfig): string[] {
  if (storage.type !== 'dedicated-clustered') return [];
  const ids = searchDatabaseIds(primaryDbXml);
  return Object.keys(storage.backupPriorityOrder).filter((id) => !ids.has(id));
}
