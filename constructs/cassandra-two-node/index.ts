export { CassandraTwoNode } from './cassandra-two-node';
export { CASSANDRA_ADVICE_RULES } from './advice-rules';
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
