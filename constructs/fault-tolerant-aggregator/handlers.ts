import type { HandlerMap } from '../../src/runner/action-registry';
import {
  DATA_REPOSITORY_KIND,
  DRILL_KIND,
  FaultTolerantAggregatorAction,
  HEALTH_KIND,
  HTTPS_KIND,
  INSTALL_KIND,
  PORTS_KIND,
  PREFLIGHT_KIND,
  UPGRADE_KIND,
} from './actions';
import { dataRepository } from './handle-data-repository';
import { drill } from './handle-drill';
import { health } from './handle-health';
import { https } from './handle-https';
import { install } from './handle-install';
import { ports } from './handle-ports';
import { preflight } from './handle-preflight';
import { upgrade } from './handle-upgrade';

/** The runner's handler of each FaultTolerantAggregator action kind. */
export const FAULT_TOLERANT_AGGREGATOR_HANDLERS: HandlerMap<FaultTolerantAggregatorAction> = {
  [PREFLIGHT_KIND]: preflight,
  [DATA_REPOSITORY_KIND]: dataRepository,
  [INSTALL_KIND]: install,
  [PORTS_KIND]: ports,
  [HEALTH_KIND]: health,
  [HTTPS_KIND]: https,
  [DRILL_KIND]: drill,
  [UPGRADE_KIND]: upgrade,
};
