/**
 * The DX NetOps Performance Management facts this construct builds on (the project's vendor
 * reference): components, default directories, ports, states and log lines. What the vendor does
 * not publish is not here; it stays a prop.
 */

export const COMPONENTS = ['proxy', 'aggregator', 'collector', 'portal'] as const;
export type NetOpsComponent = (typeof COMPONENTS)[number];

/** Where each component installs by default; the proxy server's is not public. */
export const DEFAULT_INSTALL_DIRECTORY: Readonly<Record<NetOpsComponent, string | undefined>> = {
  proxy: undefined,
  aggregator: '/opt/IMDataAggregator',
  collector: '/opt/IMDataCollector',
  portal: '/opt/CA',
};

export const COMPONENT_NAMES: Readonly<Record<NetOpsComponent, string>> = {
  proxy: 'proxy server',
  aggregator: 'data aggregator',
  collector: 'data collector',
  portal: 'NetOps Portal',
};

/** Vertica's default client port. */
export const VERTICA_DEFAULT_PORT = 5433;
/** Data aggregator web services, which collectors use (and download from at install). */
export const DEFAULT_WEB_SERVICES_PORT = 8581;
/** Consul server RPC, between the proxy and both aggregators. */
export const CONSUL_SERVER_PORT = 8300;
/** Consul LAN gossip, TCP and UDP, between the proxy and both aggregators. */
export const CONSUL_GOSSIP_PORT = 8301;
/** Consul HTTP API, between the proxy and both aggregators. */
export const CONSUL_HTTP_PORT = 8500;

/** The states `dadaemon status` reports (KB 106988's words). */
export const AGGREGATOR_STATES = ['Active', 'Inactive', 'Maintenance', 'Failed'] as const;
export type AggregatorState = (typeof AGGREGATOR_STATES)[number];

/** Where the state word goes in `aggregators.statusLine`. */
export const STATE_PLACEHOLDER = '{state}';
/**
 * The line `dadaemon status` is read from by default. The vendor's text is not public: this is the
 * construct's own default (the lab emulator's line), a prop for the wording of your release.
 */
export const DEFAULT_STATUS_LINE = `Data Aggregator status: ${STATE_PLACEHOLDER}`;

/** The aggregator's service control, relative to its install directory. */
export const DADAEMON = 'scripts/dadaemon';

/** Printed into karaf.log once an aggregator serves: its readiness. */
export const READINESS_LINE = 'Add RequestProcessor as messageListener for queue://DADistItemRepositoryMgr';

/** karaf.log, relative to the aggregator's install directory (the Karaf version varies). */
export const KARAF_LOG_GLOB = 'apache-karaf-*/data/log/karaf.log';

/** Consul member status: alive. */
export const CONSUL_MEMBER_ALIVE = 1;

/** The service that must not run on an aggregator that is no longer active (two brokers on one KahaDB). */
export const ACTIVEMQ_STATUS = ['service', 'activemq', 'status'];
