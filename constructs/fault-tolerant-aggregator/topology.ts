/**
 * What FaultTolerantAggregator's actions say of the topology: the proxy, aggregators and
 * collectors by role, the data repository, the network paths of the procedure, its shared directory.
 */
import type { TopologyReaderMap, TopologyRecorder } from '../../src/summary/topology';
import {
  DATA_REPOSITORY_KIND,
  DRILL_KIND,
  HEALTH_KIND,
  HTTPS_KIND,
  PORTS_KIND,
  PREFLIGHT_KIND,
  type AggregatorRef,
  type FaultTolerantAggregatorAction,
  type NetworkPath,
} from './actions';

export const DATA_REPOSITORY_ROLE = 'data repository';

function paths(record: TopologyRecorder, list: readonly NetworkPath[]): void {
  for (const p of list) {
    const to = p.toHost ? record.host(p.toHost) : record.address(p.toAddress);
    record.path(record.host(p.from), to, p.protocol, [p.port], p.purpose);
  }
}

function involve(record: TopologyRecorder, aggregators: readonly AggregatorRef[]): void {
  for (const a of aggregators) record.host(a.host);
}

export const FAULT_TOLERANT_AGGREGATOR_TOPOLOGY: TopologyReaderMap<FaultTolerantAggregatorAction> = {
  [PREFLIGHT_KIND]: (action, record) => {
    for (const h of action.hosts) record.host(h.host, h.role);
    paths(record, action.paths);
    if (action.sharedDirectoryPreflight) record.nested(action.sharedDirectoryPreflight);
  },
  [DATA_REPOSITORY_KIND]: (action, record) => {
    record.address(action.address, DATA_REPOSITORY_ROLE);
    for (const a of action.aggregators) record.host(a);
  },
  [PORTS_KIND]: (action, record) => {
    paths(record, action.paths);
    involve(record, action.aggregators);
  },
  [HEALTH_KIND]: (action, record) => involve(record, action.aggregators),
  [DRILL_KIND]: (action, record) => involve(record, action.aggregators),
  [HTTPS_KIND]: (action, record) => {
    for (const h of action.hosts) record.host(h.host);
  },
};
