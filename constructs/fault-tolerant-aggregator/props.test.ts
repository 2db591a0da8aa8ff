import { problemsFromZod } from '../../src/validate';
import { FaultTolerantAggregatorConfig, faultTolerantAggregatorSchema } from './props';
import { testHost, validProps } from './test-props';

function parse(props: unknown): FaultTolerantAggregatorConfig {
  const result = faultTolerantAggregatorSchema.safeParse(props, { reportInput: true });
  if (!result.success)
    throw new Error(JSON.stringify(problemsFromZod('S/NetOps', props, result.error), null, 2));
  return result.data;
}

function problems(props: unknown): string[] {
  const result = faultTolerantAggregatorSchema.safeParse(props, { reportInput: true });
  if (result.success) return [];
  return problemsFromZod('S/NetOps', props, result.error).map((p) => `${p.propertyPath}: ${p.expected}`);
}

const props = validProps();
const withInstaller = (role: 'proxy' | 'aggregators', installer: object) => ({
  ...props,
  [role]: { ...props[role], installer: { ...props[role].installer, ...installer } },
});

describe('FaultTolerantAggregator props', () => {
  it('fills every default in one place', () => {
    const config = parse(props);
    expect(config.dataRepository.port).toBe(5433);
    expect(config.aggregators.webServicesPort).toBe(8581);
    expect(config.aggregators.installer).toMatchObject({
      installDirectory: '/opt/IMDataAggregator',
      allowUpgrade: false,
      unpackDirectory: '/tmp',
      minimumFreeMiB: 2048,
      timeoutSeconds: 3600,
    });
    expect(config.dataCollectors.installer!.installDirectory).toBe('/opt/IMDataCollector');
    expect(config.dataCollectors.stopCommand).toEqual(['service', 'dcmd', 'stop']);
    expect(config.dataCollectors.startCommand).toEqual(['service', 'dcmd', 'start']);
    expect(config.dataCollectors.aggregatorPorts).toEqual([8581, 61616]);
    expect(config.dataCollectors.standbyWaitPort).toBe(8300);
    expect(config).toMatchObject({ drill: false, healthTimeoutSeconds: 900, drillTimeoutSeconds: 900 });
    expect(config.portal).toBeUndefined();
    expect(config.https).toBeUndefined();
  });

  it('requires the proxy install directory, whose default is not public', () => {
    const { installDirectory: _, ...installer } = props.proxy.installer;
    expect(problems({ ...props, proxy: { ...props.proxy, installer } })).toEqual([
      expect.stringMatching(
        /^proxy\.installer\.installDirectory: expected the proxy server's install directory/,
      ),
    ]);
  });

  it('takes the installer as a path or a local file, not both, not neither', () => {
    expect(problems(withInstaller('aggregators', { localFile: 'installDA.bin' }))).toEqual([
      'aggregators.installer.path: give either path or localFile, not both',
    ]);
    const { path: _, ...noPath } = props.aggregators.installer;
    expect(problems({ ...props, aggregators: { ...props.aggregators, installer: noPath } })).toEqual([
      expect.stringMatching(/^aggregators\.installer\.path: expected the installer: path .* or localFile/),
    ]);
  });

  it('refuses a password in the plain properties: it would be written into the synthesized stack', () => {
    expect(problems(withInstaller('aggregators', { properties: { DB_PASSWORD: 'hunter2' } }))).toEqual([
      expect.stringMatching(
        /^aggregators\.installer\.properties\.DB_PASSWORD: .*databaseCredentials\.passwordEnv/,
      ),
    ]);
    // The message never repeats the value.
    expect(
      JSON.stringify(
        problemsFromZod(
          'S',
          {},
          faultTolerantAggregatorSchema.safeParse(
            withInstaller('aggregators', { properties: { DB_PASSWORD: 'hunter2' } }),
          ).error!,
        ),
      ),
    ).not.toContain('hunter2');
  });

  it('refuses a property the construct fills in, and one property for two values', () => {
    expect(problems(withInstaller('aggregators', { properties: { LAB_SHARED_DIR: '/x' } }))).toEqual([
      'aggregators.installer.properties.LAB_SHARED_DIR: LAB_SHARED_DIR is filled in by the construct (keys.sharedDirectoryMountPath); remove it from properties',
    ]);
    expect(
      problems(withInstaller('aggregators', { keys: { proxyHost: 'SAME', aggregatorHost: 'SAME' } })),
    ).toEqual([
      'aggregators.installer.keys.aggregatorHost: the property SAME already receives keys.proxyHost; give each value its own property',
    ]);
    expect(problems(withInstaller('aggregators', { keys: { proxyHost: 'has space' } }))).toEqual([
      expect.stringMatching(
        /^aggregators\.installer\.keys\.proxyHost: expected a response-file property name/,
      ),
    ]);
  });

  it('needs three separate servers: proxy, active and inactive aggregator', () => {
    expect(
      problems({ ...props, aggregators: { ...props.aggregators, inactive: testHost('da2', '10.0.0.11') } }),
    ).toEqual([
      expect.stringMatching(
        /^aggregators\.inactive: the same host \(address 10\.0\.0\.11\) as aggregators\.active/,
      ),
    ]);
    expect(
      problems({
        ...props,
        dataCollectors: { ...props.dataCollectors!, hosts: [testHost('dc', '10.0.0.30')] },
      }),
    ).toEqual([
      expect.stringMatching(
        /^dataCollectors\.hosts\[0\]: the same host \(address 10\.0\.0\.30\) as proxy\.host/,
      ),
    ]);
  });

  it('refuses Windows hosts and upgrades without a version', () => {
    expect(
      problems({ ...props, proxy: { ...props.proxy, host: testHost('p', '10.0.0.30', { os: 'windows' }) } }),
    ).toEqual([
      'proxy.host: DX NetOps Performance Management runs on Linux: expected a Linux host (os: "linux")',
    ]);
    const { version: _, ...noVersion } = props.aggregators.installer;
    expect(
      problems({
        ...props,
        aggregators: { ...props.aggregators, installer: { ...noVersion, allowUpgrade: true } },
      }),
    ).toEqual([
      'aggregators.installer.allowUpgrade: allowUpgrade needs version: the version the installer installs',
    ]);
  });

  it('refuses clients on a shared directory it mounts itself, and a given share missing an aggregator', () => {
    expect(problems({ ...props, sharedDirectory: { ...props.sharedDirectory, clients: [] } })).toEqual([
      'sharedDirectory.clients: leave clients out: the share is mounted on the two aggregators, by construction',
    ]);
    const share = {
      mountPath: '/DASharedRepo',
      nfsVersion: '4.1',
      ownerUid: 4500,
      ownerGid: 4500,
      steps: [{ id: 'preflight', actions: [{ clients: [{ address: '10.0.0.11' }] }] }],
    };
    expect(problems({ ...props, sharedDirectory: share })).toEqual([
      expect.stringMatching(
        /^sharedDirectory: the NfsSharedDir given is not mounted on aggregators\.inactive \(10\.0\.0\.12\)/,
      ),
    ]);
  });

  it("reads dadaemon status by the emulator's line unless told another, with {state} once on one line", () => {
    expect(parse(props).aggregators.statusLine).toBe('Data Aggregator status: {state}');
    const withLine = (statusLine: unknown) => ({
      ...props,
      aggregators: { ...props.aggregators, statusLine },
    });
    expect(parse(withLine('{state}')).aggregators.statusLine).toBe('{state}');
    expect(parse(withLine('DA role = {state}.')).aggregators.statusLine).toBe('DA role = {state}.');
    const expected =
      'aggregators.statusLine: expected the line dadaemon status prints, with {state} once where the state word goes, such as "Data Aggregator status: {state}"';
    expect(problems(withLine('Data Aggregator status: Active'))).toEqual([expected]);
    expect(problems(withLine('{state} or {state}'))).toEqual([expected]);
    expect(problems(withLine(42))).toEqual([expected]);
    expect(problems(withLine('status:\n{state}'))).toEqual([
      'aggregators.statusLine: expected one line, without control characters: each line of the answer is compared on its own',
    ]);
    expect(problems(withLine('status: {state} '))).toEqual([
      'aggregators.statusLine: remove the white space at either end: lines are compared without it',
    ]);
    expect(problems(withLine(`{state}${'x'.repeat(200)}`))).toEqual([
      'aggregators.statusLine: expected at most 200 characters: one line of dadaemon status',
    ]);
    // The problem names the construct, the property and the value received.
    const result = faultTolerantAggregatorSchema.safeParse(withLine('Active'), { reportInput: true });
    expect(problemsFromZod('S/NetOps', withLine('Active'), result.error!)).toEqual([
      {
        constructPath: 'S/NetOps',
        propertyPath: 'aggregators.statusLine',
        received: '"Active"',
        expected: expect.stringContaining('{state} once'),
      },
    ]);
  });

  it('reads a status without the line as unknown, and looks for readiness in karaf.log and its rotated files, unless told otherwise', () => {
    const config = parse(props).aggregators;
    expect([config.unreadableStatus, config.readinessLogs]).toEqual([
      'unknown',
      'apache-karaf-*/data/log/karaf.log*',
    ]);
    const withAggregators = (extra: Record<string, unknown>) => ({
      ...props,
      aggregators: { ...props.aggregators, ...extra },
    });
    const told = parse(
      withAggregators({ unreadableStatus: 'process', readinessLogs: 'karaf/log/karaf-*.log.gz' }),
    );
    expect([told.aggregators.unreadableStatus, told.aggregators.readinessLogs]).toEqual([
      'process',
      'karaf/log/karaf-*.log.gz',
    ]);
    expect(problems(withAggregators({ unreadableStatus: 'Inactive' }))).toEqual([
      'aggregators.unreadableStatus: expected one of "unknown", "process": how a dadaemon status answer without the status line is read',
    ]);
    expect(problems(withAggregators({ readinessLogs: '/var/log/karaf.log' }))).toEqual([
      'aggregators.readinessLogs: expected a path relative to the install directory, such as "apache-karaf-*/data/log/karaf.log*"',
    ]);
    expect(problems(withAggregators({ readinessLogs: '../other/karaf.log' }))).toEqual([
      'aggregators.readinessLogs: expected a glob inside the install directory, without control characters or ".."',
    ]);
    expect(problems(withAggregators({ readinessLogs: '' }))).toEqual([
      'aggregators.readinessLogs: expected a glob of the karaf.log files relative to the install directory, such as "apache-karaf-*/data/log/karaf.log*"',
    ]);
  });

  it('reports every problem of the props at once', () => {
    expect(
      problems({
        ...props,
        databaseCredentials: { user: 'dauser', passwordEnv: 'not a name' },
        dataRepository: { address: 'bad address!', port: 0 },
        https: { endpoints: [] },
        drill: 'yes',
      }),
    ).toHaveLength(5);
  });
});

describe('FaultTolerantAggregator upgrade props', () => {
  it('defaults the hooks to dadaemon under the install directory, and the collector batch to 1', () => {
    const config = parse(props);
    expect(config.aggregators.maintenanceCommand).toEqual([
      '/opt/IMDataAggregator/scripts/dadaemon',
      'maintenance',
    ]);
    expect(config.aggregators.activateCommand).toEqual([
      '/opt/IMDataAggregator/scripts/dadaemon',
      'activate',
    ]);
    expect(config.dataCollectors.upgradeBatchSize).toBe(1);
    const moved = parse(withInstaller('aggregators', { installDirectory: '/srv/da' }));
    expect(moved.aggregators.maintenanceCommand).toEqual(['/srv/da/scripts/dadaemon', 'maintenance']);
    const given = parse({
      ...props,
      aggregators: { ...props.aggregators, maintenanceCommand: ['service', 'dadaemon', 'maintenance'] },
      dataCollectors: { ...props.dataCollectors!, upgradeBatchSize: 3 },
    });
    expect(given.aggregators.maintenanceCommand).toEqual(['service', 'dadaemon', 'maintenance']);
    expect(given.dataCollectors.upgradeBatchSize).toBe(3);
  });

  it('refuses hooks that are not commands, and batches that are not whole numbers of at least 1', () => {
    expect(
      problems({
        ...props,
        aggregators: {
          ...props.aggregators,
          maintenanceCommand: 'dadaemon maintenance',
          activateCommand: [],
        },
      }),
    ).toEqual([
      'aggregators.maintenanceCommand: expected a command as a list of arguments, such as ["service", "dcmd", "start"]',
      'aggregators.activateCommand: expected at least the program to run',
    ]);
    for (const [size, expected] of [
      [0, 'expected at least 1 collector per batch'],
      [1.5, 'expected a whole number of collectors'],
      ['2', 'expected a number of collectors'],
    ] as const)
      expect(
        problems({ ...props, dataCollectors: { ...props.dataCollectors!, upgradeBatchSize: size } }),
      ).toEqual([`dataCollectors.upgradeBatchSize: ${expected}`]);
  });

  it("takes the collectors' aggregator ports as given, and refuses an empty list, a repeated port or one out of range", () => {
    const collectors = (extra: object) => ({
      ...props,
      dataCollectors: { ...props.dataCollectors!, ...extra },
    });
    expect(
      parse(collectors({ aggregatorPorts: [8581, 61616, 61618] })).dataCollectors.aggregatorPorts,
    ).toEqual([8581, 61616, 61618]);
    expect(
      parse(collectors({ stopCommand: ['systemctl', 'stop', 'dcmd'], standbyWaitPort: 8301 })).dataCollectors,
    ).toMatchObject({
      stopCommand: ['systemctl', 'stop', 'dcmd'],
      startCommand: ['service', 'dcmd', 'start'],
      standbyWaitPort: 8301,
    });
    for (const [ports, expected] of [
      [[], 'expected at least one port a collector reaches the aggregators on'],
      [[8581, 61616, 8581], 'expected each port once: the list names a port twice'],
      ['8581', 'expected a list of TCP port numbers'],
    ] as const)
      expect(problems(collectors({ aggregatorPorts: ports }))).toEqual([
        `dataCollectors.aggregatorPorts: ${expected}`,
      ]);
    expect(problems(collectors({ aggregatorPorts: [8581, 70000] }))).toEqual([
      'dataCollectors.aggregatorPorts[1]: expected a TCP port number between 1 and 65535',
    ]);
    expect(problems(collectors({ restartCommand: ['service', 'dcmd', 'restart'] }))).toHaveLength(1);
  });
});

describe('aggregators.shareAccount', () => {
  const withAccount = (shareAccount: unknown) => ({
    ...props,
    aggregators: { ...props.aggregators, shareAccount },
  });

  it("defaults to the share's owner, from its props or from the NfsSharedDir given", () => {
    expect(parse(props).aggregators.shareAccount).toBe('dauser');
    const given = {
      mountPath: '/DASharedRepo',
      nfsVersion: '4.1',
      ownerUid: 4700,
      ownerGid: 4700,
      steps: [
        {
          id: 'preflight',
          actions: [
            {
              kind: 'nfs-shared-dir.preflight',
              owner: { user: 'netops', uid: 4700, group: 'netops', gid: 4700 },
              clients: [props.aggregators.active, props.aggregators.inactive],
            },
          ],
        },
      ],
    };
    expect(parse({ ...props, sharedDirectory: given }).aggregators.shareAccount).toBe('netops');
  });

  it('takes the account given', () => {
    expect(parse(withAccount('root')).aggregators.shareAccount).toBe('root');
  });

  it('refuses what is not a user name', () => {
    expect(problems(withAccount('Root Admin'))).toEqual([
      'aggregators.shareAccount: expected a POSIX name: lower-case letters, digits, "_" or "-", starting with a letter or "_", at most 32 characters',
    ]);
    expect(problems(withAccount(0))).toEqual([
      'aggregators.shareAccount: expected the user name the aggregators run as, such as "dauser"',
    ]);
  });
});
