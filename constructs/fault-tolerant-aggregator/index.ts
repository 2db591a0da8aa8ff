export { FaultTolerantAggregator } from './fault-tolerant-aggregator';
export type {
  FaultTolerantAggregatorConfig,
  FaultTolerantAggregatorProps,
  HttpsEndpointProps,
  HttpsFileProps,
  HttpsHostProps,
  HttpsProps,
  InstallerKeys,
  InstallerProps,
  SharedDirectoryLike,
  SharedDirectoryProps,
} from './props';
export { faultTolerantAggregatorSchema } from './props';
export { planFaultTolerantAggregatorSteps } from './plan';
