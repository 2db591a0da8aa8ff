/**
 * The package entry: the core (src/) and every construct (constructs/), gathered here as
 * aws-cdk-lib gathers its service modules over core. Nothing in src/ knows a construct exists.
 */
export * from './src';
export * from './constructs/cassandra-two-node';
export * from './constructs/nfs-shared-dir';
export * from './constructs/fault-tolerant-aggregator';
export * from './constructs/dataminer-failover-pair';
