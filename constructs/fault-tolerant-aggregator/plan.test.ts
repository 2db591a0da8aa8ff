import { orderSteps } from '../../src/step';
import type { HealthAction, HttpsAction, InstallAction, PreflightAction } from './actions';
import { httpsMarker } from './https-rules';
import { planFaultTolerantAggregatorSteps } from './plan';
import { faultTolerantAggregatorSchema, FaultTolerantAggregatorProps } from './props';
import { KEYS, testHost, validProps } from './test-props';

const plan = (props: FaultTolerantAggregatorProps = validProps()) =>
  planFaultTolerantAggregatorSteps(faultTolerantAggregatorSchema.parse(props), {
    mountPath: '/DASharedRepo',
  });

describe('FaultTolerantAggregator plan', () => {
  it("follows the vendor's order, each step after the one before", () => {
    const steps = plan({
      ...validProps(),
      portal: {
        host: testHost('portal', '10.0.0.50'),
        installer: { path: '/opt/installers/CAPerfCenterSetup.bin' },
      },
      https: { endpoints: [{ address: '10.0.0.11', port: 8582 }] },
      drill: true,
    });
    expect(orderSteps(steps).map((s) => s.id)).toEqual([
      'preflight',
      'data-repository',
      'proxy',
      'aggregator-active',
      'aggregator-inactive',
      'collector-dc1',
      'collector-dc2',
      'portal',
      'ports',
      'health',
      'https',
      'drill',
    ]);
    const after = Object.fromEntries(steps.map((s) => [s.id, s.after]));
    expect(after).toMatchObject({
      'data-repository': ['preflight'],
      proxy: ['data-repository'],
      'aggregator-active': ['proxy'],
      'aggregator-inactive': ['aggregator-active'],
      'collector-dc1': ['aggregator-inactive'],
      portal: ['collector-dc1', 'collector-dc2'],
      ports: ['portal'],
      health: ['ports'],
      https: ['health'],
      drill: ['https'],
    });
    expect(steps[0].rerunsWithAnyStep).toBe(true);
  });

  it('leaves out the optional steps when not asked for', () => {
    const { dataCollectors: _, ...noCollectors } = validProps();
    expect(plan(noCollectors).map((s) => s.id)).toEqual([
      'preflight',
      'data-repository',
      'proxy',
      'aggregator-active',
      'aggregator-inactive',
      'ports',
      'health',
    ]);
  });

  it('gives the HTTPS commands of each host a record named by them, and reads dadaemon by one line everywhere', () => {
    const steps = plan({
      ...validProps(),
      https: {
        proxy: { commands: [['systemctl', 'reload', 'traefik']] },
        aggregators: { files: [{ path: '/opt/IMDataAggregator/certs/da.pem', localFile: 'da.pem' }] },
        endpoints: [{ address: '10.0.0.11', port: 8582 }],
      },
    });
    const https = steps.find((s) => s.id === 'https')!.actions[0] as HttpsAction;
    expect(https.hosts.map((h) => [h.host.name, h.record])).toEqual([
      [
        'proxy',
        {
          path: `/var/lib/cdktf-failover/https/${httpsMarker([['systemctl', 'reload', 'traefik']]).replace('https-commands-', '')}`,
          content: '[["systemctl","reload","traefik"]]\n',
        },
      ],
      ['da1', undefined],
      ['da2', undefined],
    ]);
    for (const id of ['ports', 'health'])
      expect(
        (steps.find((s) => s.id === id)!.actions[0] as HealthAction).aggregators.map((a) => a.statusLine),
      ).toEqual(['Data Aggregator status: {state}', 'Data Aggregator status: {state}']);
  });

  it('gives each installer the values it owns under the keys the user named, and never the password', () => {
    const steps = plan();
    const install = (id: string) => steps.find((s) => s.id === id)!.actions[0] as InstallAction;
    const da = install('aggregator-active');
    expect(da.properties).toEqual([
      ['LAB_DB_HOST', '10.0.0.20'],
      ['LAB_SHARED_DIR', '/DASharedRepo'],
      ['LAB_PROXY_HOST', '10.0.0.30'],
      ['LAB_DA_HOST', '10.0.0.11'],
      ['LAB_FAILOVER_DA_HOST', '10.0.0.12'],
      ['LAB_DB_USER', 'dauser'],
      ['USER_INSTALL_DIR', '/opt/IMDataAggregator'],
    ]);
    expect(da).toMatchObject({ passwordKey: KEYS.databasePassword, passwordEnv: 'DR_PASSWORD' });
    const dc = install('collector-dc1');
    expect(dc.properties).toContainEqual(['LAB_FAILOVER_DA_HOST', '10.0.0.12']);
    expect(dc.waitFor).toEqual([
      { address: '10.0.0.11', port: 8581, label: 'da1' },
      { address: '10.0.0.12', port: 8581, label: 'da2' },
    ]);
    expect(dc.restartAfter!.command).toEqual(['service', 'dcmd', 'restart']);
    process.env.DR_PASSWORD = 'pa$$word-in-env';
    expect(JSON.stringify(steps)).not.toContain('pa$$word-in-env');
  });

  it('checks every network path of the procedure in the preflight', () => {
    const preflight = plan()[0].actions[0] as PreflightAction;
    const paths = preflight.paths.map(
      (p) => `${p.from.name}>${p.toHost?.name ?? p.toAddress} ${p.protocol}/${p.port}`,
    );
    for (const da of ['da1', 'da2'])
      for (const port of ['tcp/8300', 'tcp/8301', 'udp/8301', 'tcp/8500']) {
        expect(paths).toContain(`proxy>${da} ${port}`);
        expect(paths).toContain(`${da}>proxy ${port}`);
      }
    expect(paths).toContain('da1>10.0.0.20 tcp/5433');
    expect(paths).toContain('da2>10.0.0.20 tcp/5433');
    expect(paths).toContain('dc2>da2 tcp/8581');
    expect(paths).toHaveLength(16 + 2 + 4);
    expect(preflight.hosts.map((h) => `${h.host.name} ${h.component}`)).toEqual([
      'proxy proxy',
      'da1 aggregator',
      'da2 aggregator',
      'dc1 collector',
      'dc2 collector',
    ]);
  });
});
