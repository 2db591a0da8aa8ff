export { CassandraTwoNode, twoNodeWarnings } from './cassandra-two-node';
export type {
  CassandraLocations,
  CassandraMode,
  CassandraNodeConfig,
  CassandraNodeProps,
  CassandraPlatform,
  CassandraPorts,
  CassandraTlsProps,
  CassandraTwoNodeConfig,
  CassandraTwoNodeProps,
} from './props';
