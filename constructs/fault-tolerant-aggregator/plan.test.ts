import { orderSteps } from '../../src/step';
import type { HealthAction, HttpsAction, InstallAction, PreflightAction, UpgradeAction } from './actions';
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
      'upgrade',
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
      upgrade: ['data-repository'],
      proxy: ['data-repository', 'upgrade'],
      'aggregator-active': ['proxy'],
      'aggregator-inactive': ['aggregator-active'],
      'collector-dc1': ['aggregator-inactive'],
      'collector-dc2': ['collector-dc1'],
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
      'upgrade',
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
    expect(dc.waitFor).toEqual({
      aggregators: [
        { address: '10.0.0.11', label: 'da1' },
        { address: '10.0.0.12', label: 'da2' },
      ],
      activePort: 8581,
      standbyPort: 8300,
      seconds: 900,
    });
    expect(dc.repair).toMatchObject({
      stopCommand: ['service', 'dcmd', 'stop'],
      startCommand: ['service', 'dcmd', 'start'],
      ports: [8581, 61616],
    });
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
    for (const port of ['tcp/8300', 'tcp/8301', 'udp/8301']) {
      expect(paths).toContain(`da1>da2 ${port}`);
      expect(paths).toContain(`da2>da1 ${port}`);
    }
    expect(paths).not.toContain('da1>da2 tcp/8500');
    expect(paths).toContain('dc2>da2 tcp/8581');
    expect(paths).toContain('dc2>da2 tcp/61616');
    expect(paths).toContain('dc1>da1 tcp/61616');
    // proxy ↔ DAs, DA ↔ DA, DAs → repository, 2 collectors → 2 DAs × 2 ports.
    expect(paths).toHaveLength(16 + 6 + 2 + 8);
    expect(preflight.hosts.map((h) => `${h.host.name} ${h.component}`)).toEqual([
      'proxy proxy',
      'da1 aggregator',
      'da2 aggregator',
      'dc1 collector',
      'dc2 collector',
    ]);
  });

  it('upgrades collectors in batches of upgradeBatchSize, each batch after the one before', () => {
    const p = validProps();
    const hosts = ['dc1', 'dc2', 'dc3', 'dc4', 'dc5'].map((n, i) => testHost(n, `10.0.0.${41 + i}`));
    const steps = plan({ ...p, dataCollectors: { ...p.dataCollectors!, hosts, upgradeBatchSize: 2 } });
    const after = Object.fromEntries(steps.map((s) => [s.id, s.after]));
    expect(after).toMatchObject({
      'collector-dc1': ['aggregator-inactive'],
      'collector-dc2': ['aggregator-inactive'],
      'collector-dc3': ['collector-dc1', 'collector-dc2'],
      'collector-dc4': ['collector-dc1', 'collector-dc2'],
      'collector-dc5': ['collector-dc3', 'collector-dc4'],
      ports: ['collector-dc1', 'collector-dc2', 'collector-dc3', 'collector-dc4', 'collector-dc5'],
    });
  });

  it('plans the upgrade before the proxy with every version and the dadaemon hooks, so it runs again when one changes', () => {
    const p = validProps();
    const withPortal = {
      ...p,
      portal: {
        host: testHost('portal', '10.0.0.50'),
        installer: { path: '/opt/installers/CAPerfCenterSetup.bin', version: '24.3.0' },
      },
    };
    const upgradeOf = (props: FaultTolerantAggregatorProps) =>
      plan(props).find((s) => s.id === 'upgrade')!.actions[0] as UpgradeAction;
    const upgrade = upgradeOf(withPortal);
    expect(upgrade.kind).toBe('fault-tolerant-aggregator.upgrade');
    // The portal first, then the proxy (this construct's choice: the proxy's place is not public).
    expect(upgrade.components.map((c) => `${c.host.name} ${c.install.component}`)).toEqual([
      'portal portal',
      'proxy proxy',
    ]);
    expect(upgrade.aggregators.map((a) => a.host.name)).toEqual(['da1', 'da2']);
    expect(upgrade.aggregatorInstall.installer.version).toBe('24.3.0');
    expect(upgrade.maintenanceCommand).toEqual(['/opt/IMDataAggregator/scripts/dadaemon', 'maintenance']);
    expect(upgrade.activateCommand).toEqual(['/opt/IMDataAggregator/scripts/dadaemon', 'activate']);
    const raised = (role: 'aggregators' | 'dataCollectors' | 'portal' | 'proxy') => {
      const changed = {
        ...withPortal,
        [role]: { ...withPortal[role]!, installer: { ...withPortal[role]!.installer, version: '24.4.0' } },
      };
      return JSON.stringify(upgradeOf(changed as FaultTolerantAggregatorProps));
    };
    for (const role of ['aggregators', 'dataCollectors', 'portal', 'proxy'] as const)
      expect(raised(role)).not.toEqual(JSON.stringify(upgrade));
  });
});
