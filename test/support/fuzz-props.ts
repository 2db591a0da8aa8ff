/**
 * Generated props for every construct. Half the cases are clean (every field a valid value, with
 * hostile strings wherever any text is accepted), half noisy (each field sometimes anything at
 * all), so a property covers accepted props, whose strings reach hosts, and refused ones. Every
 * hostile string would create the canary file if a shell ever executed it.
 */
import fc from 'fast-check';
import { SshCredentials } from '../../index';

/** Exists on a host only if some string was executed instead of kept as data. */
export const CANARY = '/tmp/cdktf-failover-canary';

export const hostile = fc.constantFrom(
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `x; touch ${CANARY}`,
  `x && touch ${CANARY}`,
  `x | touch ${CANARY}`,
  `x\ntouch ${CANARY}`,
  `'; touch ${CANARY}; '`,
  `"; touch ${CANARY}; "`,
  `$(touch ${CANARY})'"\`\\`,
  '${HOME}',
  '%{ if true }x%{ endif }',
  `'; New-Item ${CANARY} -Force; '`,
  '../../etc/passwd',
  '\u0000',
  '\u2028',
  '',
  ' ',
);

/** Anything at all: the shapes a typo or a bad variable could produce. */
export const anything = fc.oneof(
  hostile,
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(undefined),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
  fc.constant(Object.create(null) as object),
);

const KEY = `SHA256:${'k'.repeat(43)}`;

function generators(noisy: boolean) {
  /** A valid value; in noisy cases, sometimes anything at all. */
  const mostly = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
    noisy ? fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: anything }) : valid;
  const text = mostly(fc.oneof(fc.string({ maxLength: 20 }), hostile));

  const hostArb = (os: 'linux' | 'windows') =>
    fc.record(
      {
        name: mostly(fc.constantFrom('da1', 'da2', 'cas1', 'Host_1')),
        address: mostly(fc.constantFrom('10.0.0.11', '10.0.0.12', 'da1.example.com', 'fd00::11')),
        user: mostly(fc.constantFrom('deploy', 'root', 'CORP\\svc')),
        hostKeySha256: mostly(fc.constant(KEY)),
        credentials: mostly(
          fc.constantFrom(
            SshCredentials.agent(),
            SshCredentials.privateKeyEnv('DEPLOY_KEY'),
            SshCredentials.passwordEnv('PW'),
          ),
        ),
        os: mostly(fc.constant(os)),
        port: mostly(fc.integer({ min: 1, max: 65535 })),
        sudo: mostly(fc.boolean()),
        connectTimeoutSeconds: mostly(fc.integer({ min: 1, max: 600 })),
        commandTimeoutSeconds: mostly(fc.integer({ min: 1, max: 3600 })),
        keepBackups: mostly(fc.integer({ min: 1, max: 20 })),
      },
      { requiredKeys: ['address', 'user', 'hostKeySha256', 'credentials'] },
    );
  const host = noisy ? fc.oneof(hostArb('linux'), hostArb('windows')) : hostArb('linux');

  const path = mostly(fc.constantFrom('/etc/app/app.conf', '/srv/fuzz/a', '/srv/fuzz/b.ini'));
  const command = noisy
    ? fc.oneof(
        fc.record({ argv: mostly(fc.array(text, { minLength: 1, maxLength: 4 })) }),
        fc.record({ powershell: text, vars: mostly(fc.dictionary(fc.constantFrom('path', 'name'), text)) }),
        anything,
      )
    : fc.record({ argv: fc.array(text, { minLength: 1, maxLength: 4 }) });
  const marker = mostly(fc.constant('restart-app'));

  const action = fc.oneof(
    fc.record(
      {
        kind: fc.constant('file'),
        path,
        content: text,
        mode: mostly(fc.constantFrom('0644', '0600', '2770')),
        owner: mostly(fc.constantFrom('root', 'daemon', '0')),
        group: mostly(fc.constantFrom('root', 'daemon')),
        notifies: marker,
      },
      { requiredKeys: ['kind', 'path', 'content'] },
    ),
    fc.record(
      {
        kind: fc.constant('config'),
        format: mostly(fc.constantFrom('ini', 'yaml')),
        path,
        settings: mostly(
          fc.array(fc.record({ key: mostly(fc.constantFrom('main.port', 'app.name')), value: text }), {
            minLength: 1,
            maxLength: 2,
          }),
        ),
        createIfMissing: mostly(fc.constant(true)),
      },
      { requiredKeys: ['kind', 'format', 'path', 'settings', 'createIfMissing'] },
    ),
    fc.record(
      {
        kind: fc.constant('line'),
        path,
        line: text,
        match: mostly(fc.constantFrom('^x', 'peer$', '\\sda2$')),
        state: mostly(fc.constantFrom('present', 'absent')),
      },
      { requiredKeys: ['kind', 'path', 'line'] },
    ),
    fc.record(
      {
        kind: fc.constant('command'),
        description: mostly(fc.constantFrom('restart the app', 'apply')),
        check: command,
        run: command,
        verify: command,
        whenNotified: marker,
      },
      { requiredKeys: ['kind', 'description', 'run'] },
    ),
    ...(noisy ? [anything] : []),
  );

  const hostSteps = fc.record({
    steps: mostly(
      fc.uniqueArray(
        fc.record(
          {
            id: mostly(fc.constantFrom('one', 'two', 'three')),
            description: text,
            host,
            actions: mostly(fc.array(action, { minLength: 1, maxLength: 3 })),
            after: mostly(
              noisy
                ? fc.array(fc.constantFrom('one', 'two', 'three'), { maxLength: 2 })
                : fc.constant<string[]>([]),
            ),
            when: mostly(fc.constant('create')),
          },
          { requiredKeys: ['id', 'description', 'host', 'actions'] },
        ),
        { minLength: 1, maxLength: 3, selector: (s) => (s as { id: unknown }).id },
      ),
    ),
  });

  const owner = mostly(
    fc.record({
      user: mostly(fc.constantFrom('dauser', 'nasuser')),
      uid: mostly(fc.integer({ min: 1000, max: 60000 })),
      group: mostly(fc.constantFrom('dauser', 'nasgrp')),
      gid: mostly(fc.integer({ min: 1000, max: 60000 })),
    }),
  );
  const nfsServer = noisy
    ? fc.record(
        {
          serverHost: hostArb('linux'),
          existingExport: mostly(
            fc.constantFrom('nas.example.com:/export/da', '10.0.0.10:/srv/x', 'nas:rel'),
          ),
          exportPath: mostly(fc.constantFrom('/srv/da-shared', '/srv/x', 'relative')),
        },
        { requiredKeys: [] },
      )
    : fc.oneof(
        fc.record({ serverHost: hostArb('linux'), exportPath: fc.constantFrom('/srv/da-shared', '/srv/x') }),
        fc.record({ existingExport: fc.constantFrom('nas.example.com:/export/da', '10.0.0.10:/srv/x') }),
      );
  const nfsSharedDir = fc
    .tuple(
      nfsServer,
      fc.record(
        {
          mountPath: mostly(fc.constantFrom('/DASharedRepo', '/mnt/share')),
          clients: mostly(
            fc.uniqueArray(hostArb('linux'), {
              minLength: 1,
              maxLength: 3,
              selector: (h) => [(h as { address: unknown }).address, (h as { name?: unknown }).name],
              comparator: (a, b) => a[0] === b[0] || (a[1] !== undefined && a[1] === b[1]),
            }),
          ),
          owner,
          mode: mostly(fc.constantFrom('0770', '2770', '0700')),
          nfsVersion: mostly(fc.constantFrom('4.0', '4.1', '4.2')),
          mountOptions: mostly(fc.uniqueArray(fc.constantFrom('noatime', 'rsize=1048576'), { maxLength: 2 })),
          exportOptions: mostly(
            fc.constantFrom(['rw', 'sync', 'root_squash'], ['rw', 'sync', 'no_subtree_check']),
          ),
          idmapDomain: mostly(fc.constantFrom('example.com', 'lab.example')),
          serverNfsV4Only: mostly(fc.boolean()),
          removalPolicy: mostly(fc.constantFrom('retain', 'unmount')),
        },
        { requiredKeys: ['mountPath', 'clients', 'owner'] },
      ),
    )
    .map(([server, rest]) => ({ ...server, ...rest }));

  const cassandraTwoNode = fc.record(
    {
      nodes: mostly(
        fc
          .tuple(hostArb('linux'), hostArb('linux'))
          .filter(([a, b]) => a.address !== b.address && (a.name === undefined || a.name !== b.name))
          .map(([a, b]) => [{ host: a }, { host: b }]),
      ),
      platform: mostly(fc.constant('linux')),
      mode: mostly(fc.constantFrom('configure', 'verify', 'preflight')),
      clusterName: mostly(fc.oneof(fc.constantFrom('Orders', 'Lab Cluster'), hostile)),
      endpointSnitch: mostly(fc.constantFrom('SimpleSnitch', 'GossipingPropertyFileSnitch')),
      tls: mostly(fc.record({ internode: fc.boolean(), client: fc.boolean() })),
      expectedReleaseVersion: mostly(fc.constantFrom('3.11.4', '4.0.11')),
      healthTimeoutSeconds: mostly(fc.integer({ min: 30, max: 3600 })),
      serviceName: mostly(fc.constantFrom('cassandra', 'cassandra@main')),
    },
    { requiredKeys: ['nodes'] },
  );

  const installer = (directory: boolean) =>
    fc.record(
      {
        path: mostly(fc.constantFrom('/opt/installers/installDA.bin', '/opt/i.bin')),
        version: mostly(fc.constantFrom('24.3.0', '23.3.6')),
        allowUpgrade: mostly(fc.boolean()),
        installDirectory: mostly(fc.constantFrom('/opt/CA/proxy', '/opt/IMDataAggregator')),
        properties: mostly(
          fc.dictionary(fc.constantFrom('A_KEY', 'B.KEY', 'DB_PASSWORD'), text, { maxKeys: 2 }),
        ),
        keys: mostly(
          fc.record(
            {
              sharedDirectoryMountPath: fc.constantFrom('SHARED', 'A_KEY'),
              failoverHost: fc.constantFrom('FAILOVER', 'SHARED'),
            },
            { requiredKeys: [] },
          ),
        ),
        minimumFreeMiB: mostly(fc.integer({ min: 0, max: 10000 })),
      },
      { requiredKeys: directory ? ['path', 'installDirectory'] : ['path'] },
    );
  /** In clean cases each role gets its own address and name: the hosts of one procedure are distinct servers. */
  const roleHost = (name: string, address: string) =>
    noisy ? hostArb('linux') : hostArb('linux').map((h) => ({ ...h, name, address }));
  const faultTolerantAggregator = fc.record(
    {
      dataRepository: mostly(
        fc.record(
          {
            address: mostly(fc.constantFrom('10.0.0.20', 'dr1.example.com')),
            port: mostly(fc.integer({ min: 1, max: 65535 })),
          },
          { requiredKeys: ['address'] },
        ),
      ),
      databaseCredentials: mostly(
        fc.record({
          user: mostly(fc.constantFrom('dauser')),
          passwordEnv: mostly(fc.constantFrom('DR_PASSWORD')),
        }),
      ),
      // Its own props are fuzzed with NfsSharedDir; valid here so both constructs judge the same hosts.
      sharedDirectory: fc.constant({
        existingExport: 'nas.example.com:/export/da',
        mountPath: '/DASharedRepo',
        owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
      }),
      proxy: mostly(fc.record({ host: roleHost('proxy', '10.0.1.30'), installer: installer(true) })),
      aggregators: mostly(
        fc.record({
          active: roleHost('da1', '10.0.1.11'),
          inactive: roleHost('da2', '10.0.1.12'),
          installer: installer(false),
        }),
      ),
      dataCollectors: mostly(
        fc.record({
          hosts: fc
            .tuple(roleHost('dc1', '10.0.1.41'), roleHost('dc2', '10.0.1.42'))
            .chain(([a, b]) => fc.constantFrom([], [a], [a, b])),
          installer: installer(false),
        }),
      ),
      drill: mostly(fc.boolean()),
      healthTimeoutSeconds: mostly(fc.integer({ min: 30, max: 3600 })),
    },
    { requiredKeys: ['dataRepository', 'databaseCredentials', 'sharedDirectory', 'proxy', 'aggregators'] },
  );

  const windowsAgent = (name: string, address: string) =>
    fc.record(
      {
        host: noisy ? host : hostArb('windows').map((h) => ({ ...h, name, address })),
        installDir: mostly(
          noisy
            ? fc.constantFrom('C:\\Skyline DataMiner', 'D:\\DataMiner', 'C:\\bad\\')
            : fc.constant('D:\\DataMiner'),
        ),
      },
      { requiredKeys: ['host'] },
    );
  const addressing = noisy
    ? fc.record(
        {
          virtualIps: mostly(
            fc.uniqueArray(fc.constantFrom('10.0.0.50', '10.0.1.50', '10.0.0.11'), {
              minLength: 1,
              maxLength: 3,
            }),
          ),
          sharedHostname: mostly(fc.constantFrom('dms-pair.example.com', 'pair')),
        },
        { requiredKeys: [] },
      )
    : fc.oneof(
        fc.record({
          virtualIps: fc.uniqueArray(fc.constantFrom('10.0.0.50', '10.0.1.50'), {
            minLength: 1,
            maxLength: 2,
          }),
        }),
        fc.record({ sharedHostname: fc.constant('dms-pair.example.com') }),
      );
  const dataMinerFailoverPair = fc
    .tuple(
      addressing,
      fc.record(
        {
          version: mostly(
            fc.constantFrom('10.3.0 [CU9]', '10.3.0 CU9', '10.2.0.0-11897-CU21', '10.3.12', '10.6.0'),
          ),
          primary: mostly(windowsAgent('dma1', '10.0.0.11')),
          backup: mostly(windowsAgent('dma2', '10.0.0.12')),
          storage: mostly(
            fc.oneof(
              fc.constant({ type: 'legacy-sql' }),
              fc.record(
                {
                  type: fc.constant('cassandra-per-agent'),
                  indexing: fc.boolean(),
                  acknowledgeIndexingNotRecommended: fc.boolean(),
                },
                { requiredKeys: ['type'] },
              ),
              fc.constant({
                type: 'dedicated-clustered',
                cassandraHosts: ['10.0.4.1'],
                searchHosts: ['10.0.5.1'],
                passwordEnv: 'DB_PW',
              }),
              fc.constant({ type: 'storage-as-a-service' }),
            ),
          ),
          expectFailoverEnabled: mostly(fc.boolean()),
        },
        {
          requiredKeys: noisy
            ? ['primary', 'backup', 'storage']
            : ['version', 'primary', 'backup', 'storage'],
        },
      ),
    )
    .map(([a, rest]) => ({ ...a, ...rest }));

  return { hostSteps, nfsSharedDir, cassandraTwoNode, faultTolerantAggregator, dataMinerFailoverPair };
}

const clean = generators(false);
const noisy = generators(true);
export const hostStepsPropsArb = fc.oneof(clean.hostSteps, noisy.hostSteps);
export const nfsSharedDirPropsArb = fc.oneof(clean.nfsSharedDir, noisy.nfsSharedDir);
export const cassandraTwoNodePropsArb = fc.oneof(clean.cassandraTwoNode, noisy.cassandraTwoNode);
export const faultTolerantAggregatorPropsArb = fc.oneof(
  clean.faultTolerantAggregator,
  noisy.faultTolerantAggregator,
);
export const dataMinerFailoverPairPropsArb = fc.oneof(
  clean.dataMinerFailoverPair,
  noisy.dataMinerFailoverPair,
);
/** Clean HostSteps props only: the sample deployed to the lab for the canary check. */
export const cleanHostStepsPropsArb = clean.hostSteps;
