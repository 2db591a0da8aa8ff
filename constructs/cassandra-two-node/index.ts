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
export { cassandraPreflightPart, cassandraPreflightPartProblems } from './part';
export type { CassandraPartProblem, CassandraPreflightPartProps } from './part';
export type { PreflightAction as CassandraPreflightAction } from './actions';
export { PORT_CHECK_PS } from './commands';
export { cassandraPreflightProblems } from './handle-preflight';
