/**
 * FaultTolerantAggregator's advice, as named rules (src/rules.ts): response-file keys left unnamed,
 * so an installer runs without a value the procedure needs. Pure.
 */
import type { AdviceRule } from '../../src/rules';
import type { FaultTolerantAggregatorConfig } from './props';

export const NO_DATABASE_PASSWORD_KEY: AdviceRule<FaultTolerantAggregatorConfig> = {
  id: 'NETOPS-NO-DATABASE-PASSWORD-KEY',
  summary: "The aggregators' response file gets no database password.",
  check: (config) =>
    config.aggregators.installer.keys.databasePassword === undefined
      ? [
          {
            property: 'aggregators.installer.keys.databasePassword',
            message:
              'aggregators.installer.keys.databasePassword is not set: the aggregators are installed without the database password in their response file. Name the property your installer reads it from.',
          },
        ]
      : [],
};

export const NO_SHARED_DIRECTORY_KEY: AdviceRule<FaultTolerantAggregatorConfig> = {
  id: 'NETOPS-NO-SHARED-DIRECTORY-KEY',
  summary: "The aggregators' response file gets no shared directory.",
  check: (config) =>
    config.aggregators.installer.keys.sharedDirectoryMountPath === undefined
      ? [
          {
            property: 'aggregators.installer.keys.sharedDirectoryMountPath',
            message:
              'aggregators.installer.keys.sharedDirectoryMountPath is not set: the aggregators are installed without the shared directory in their response file. Name the property your installer reads it from.',
          },
        ]
      : [],
};

export const NO_FAILOVER_HOST_KEY: AdviceRule<FaultTolerantAggregatorConfig> = {
  id: 'NETOPS-NO-FAILOVER-HOST-KEY',
  summary: "The collectors' response file gets no failover host (the inactive aggregator).",
  check: (config) =>
    config.dataCollectors.hosts.length > 0 && config.dataCollectors.installer?.keys.failoverHost === undefined
      ? [
          {
            property: 'dataCollectors.installer.keys.failoverHost',
            message:
              'dataCollectors.installer.keys.failoverHost is not set: collectors are installed without the inactive aggregator as their failover host. Name the property your installer reads it from.',
          },
        ]
      : [],
};

/** Every advice rule of FaultTolerantAggregator, in the order their findings are reported. */
export const NETOPS_ADVICE_RULES = [
  NO_DATABASE_PASSWORD_KEY,
  NO_SHARED_DIRECTORY_KEY,
  NO_FAILOVER_HOST_KEY,
] as const;
