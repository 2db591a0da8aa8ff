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
    expect(config.dataCollectors.restartCommand).toEqual(['service', 'dcmd', 'restart']);
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
      'aggregators.installer.properties.LAB_SHARED_DIR: LAB_SHARED_DIR is filled in by the construct (keys.sharedDirectory); remove it from properties',
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
