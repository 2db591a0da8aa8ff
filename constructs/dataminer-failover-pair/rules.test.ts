import { backupChanges, priorityOrderProblems } from './backup-changes';
import { applicableChecks, closedPortProblems } from './port-rules';
import { cubeInterfaceValues } from './runbook';
import { passwordSources } from './passwords';
import type { AgentFacts } from './facts';
import {
  adaptersInUse,
  databaseEntries,
  databasesForComparison,
  parseAdapters,
  parseDmsXml,
  parseVersionHistory,
  withDataBasesOf,
} from './parse';
import {
  existingMixFindings,
  hostnameProblems,
  newBackupProblems,
  natsRepairNotes,
  storageAsAServiceProblems,
  versionNotes,
  versionProblems,
  virtualIpProblems,
} from './preflight-rules';
import { systemFindings } from './system-rules';
import { parseDataMinerVersion } from './versions';

const v = (t: string) => parseDataMinerVersion(t)!;
const pair = (
  path: string,
  addressing: 'virtual-ip' | 'hostname',
  storage = 'cassandra-per-agent' as const,
) => ({
  path,
  addressing,
  storage,
  indexing: false,
  indexingAcknowledged: false,
});

describe('system rules', () => {
  it("warns of the vendor's BrokerGateway known issue on the versions it names", () => {
    const ids = (version: string) =>
      systemFindings(v(version), [pair('S/A', 'virtual-ip')]).map((f) => `${f.ruleId} ${f.level}`);
    for (const affected of ['10.5.0 [CU4]', '10.5.7', '10.6.0 [CU4]', '10.6.7', '10.6.1'])
      expect([affected, ids(affected)]).toEqual([affected, ['DMS-FAILOVER-BROKERGATEWAY-ISSUE advice']]);
    for (const fixed of ['10.5.0 [CU3]', '10.5.6', '10.6.0 [CU5]', '10.6.8', '10.4.0 [CU7]'])
      expect([fixed, ids(fixed)]).toEqual([fixed, []]);
    expect(systemFindings(v('10.5.0'), [pair('S/A', 'virtual-ip')])[0].message).toContain(
      'may be (its cumulative update decides)',
    );
  });

  it('mixing hostname and VIP pairs: an error from the gate, advice before, the strict reading said', () => {
    const pairs = [pair('S/A', 'virtual-ip'), pair('S/B', 'hostname')];
    expect(systemFindings(v('10.3.0 [CU9]'), pairs)).toEqual([
      expect.objectContaining({
        ruleId: 'DMS-MIXED-ADDRESSING',
        level: 'error',
        pairPath: 'S/B',
        property: 'sharedHostname',
      }),
    ]);
    expect(systemFindings(v('10.3.0 [CU8]'), pairs)).toEqual([
      expect.objectContaining({ ruleId: 'DMS-MIXED-ADDRESSING', level: 'advice' }),
    ]);
    const strict = systemFindings(v('10.3.0'), pairs)[0];
    expect(strict.level).toBe('error');
    expect(strict.message).toMatch(/does not say its cumulative update: read as CU9 or later/);
    expect(systemFindings(v('10.3.0 [CU9]'), [pair('S/A', 'virtual-ip'), pair('S/C', 'virtual-ip')])).toEqual(
      [],
    );
  });
  it('a shared hostname before 10.2.0/10.1.8 is an error; legacy SQL and indexing are advice', () => {
    expect(systemFindings(v('10.1.0 [CU5]'), [pair('S/A', 'hostname')])).toEqual([
      expect.objectContaining({ ruleId: 'DMS-SHARED-HOSTNAME-VERSION', level: 'error' }),
    ]);
    expect(
      systemFindings(v('10.3.0 [CU9]'), [{ ...pair('S/A', 'virtual-ip'), storage: 'legacy-sql' as never }]),
    ).toEqual([
      expect.objectContaining({
        ruleId: 'DMS-LEGACY-SQL',
        level: 'advice',
        message: expect.stringContaining('unsupported on 10.3.0 [CU9]'),
      }),
    ]);
    expect(systemFindings(v('10.3.0 [CU9]'), [{ ...pair('S/A', 'virtual-ip'), indexing: true }])).toEqual([
      expect.objectContaining({
        ruleId: 'DMS-INDEXING-PER-AGENT',
        level: 'error',
        property: 'storage.indexing',
      }),
    ]);
    // The pair's own acknowledgement is the rule's one acknowledgement.
    expect(
      systemFindings(v('10.3.0 [CU9]'), [
        { ...pair('S/A', 'virtual-ip'), indexing: true, indexingAcknowledged: true },
      ]),
    ).toEqual([
      expect.objectContaining({
        ruleId: 'DMS-INDEXING-PER-AGENT',
        level: 'advice',
        acknowledged: 'storage.acknowledgeIndexingNotRecommended on the pair',
      }),
    ]);
  });
});

const facts = (extra: Partial<AgentFacts>): AgentFacts => ({
  label: 'x',
  https: { enabled: false },
  brokerGateway: false,
  running: true,
  natsRepair: true,
  licence: true,
  unreadable: [],
  ...extra,
});

describe('preflight rules', () => {
  it('names both versions when the agents differ, and each against the declared one', () => {
    expect(
      versionProblems(
        facts({ label: 'dma1', version: '10.3.0.0-12752-CU9' }),
        facts({ label: 'dma1b', version: '10.3.0.0-12752-CU8' }),
        v('10.3.0 [CU9]'),
      ),
    ).toEqual([
      "the agents run different versions: dma1 (primary) 10.3.0.0-12752-CU9, dma1b (backup) 10.3.0.0-12752-CU8; the backup must run exactly the primary's version, CU included (upgrade the one that is behind)",
      'dma1b runs 10.3.0.0-12752-CU8, not the declared 10.3.0 [CU9]: correct the declared version or upgrade the agent',
    ]);
  });
  it('takes a main-release line without a CU for the declared version, with a warning; a hotfix line is reported raw', () => {
    const release = '10.4.0.0-14772-20240821-release';
    const [primary, backup] = [
      facts({ label: 'dma1', version: release }),
      facts({ label: 'dma1b', version: release }),
    ];
    expect(versionProblems(primary, backup, v('10.4.0 [CU7]'))).toEqual([]);
    expect(versionNotes(primary, backup, v('10.4.0 [CU7]'))).toEqual(
      ['dma1', 'dma1b'].map(
        (label) =>
          `${label}: its VersionHistory.txt line ${release} names no cumulative update, so the declared CU7 could not be confirmed (DataMiner does not document where the installed CU is recorded): check it in Cube (About DataMiner) on both agents`,
      ),
    );
    expect(versionNotes(primary, backup, v('10.4.0'))).toEqual([]);
    const hotfix = facts({ label: 'dma1b', version: 'HF_10.4.0.0-14772_01' });
    expect(versionProblems(primary, hotfix, v('10.4.0 [CU7]'))).toContain(
      'dma1b runs "HF_10.4.0.0-14772_01", which is not a DataMiner version this construct can read',
    );
  });
  it('says where NATSRepair is, or that it is missing, when the version or a migration needs it', () => {
    const path = (f: AgentFacts) => `C:\\${f.label}\\Tools\\NATSRepair.exe`;
    const a = facts({ label: 'dma1', natsRepair: true });
    const b = facts({ label: 'dma1b', natsRepair: false });
    expect(natsRepairNotes([a, b], v('10.4.0 [CU7]'), path)).toEqual([]);
    expect(natsRepairNotes([a, b], v('10.6.0'), path)).toEqual([
      'dma1: 10.6.0 runs BrokerGateway, so NATSRepair (C:\\dma1\\Tools\\NATSRepair.exe) is run once Failover is on (see the runbook)',
      "dma1b: 10.6.0 runs BrokerGateway, but C:\\dma1b\\Tools\\NATSRepair.exe is missing (the 10.6.10 upgrade cleanup may have removed it): the runbook's NATS step needs it on the agent where it is run",
    ]);
    expect(natsRepairNotes([{ ...a, brokerGateway: true }, b], v('10.5.4'), path)[0]).toBe(
      'dma1: dma1 was migrated to BrokerGateway, so NATSRepair (C:\\dma1\\Tools\\NATSRepair.exe) is run once Failover is on (see the runbook)',
    );
  });
  it('Storage as a Service: both agents registered (a CloudStorage DataBase in DB.xml), named when not', () => {
    const cloud = '<DataBases><DataBase active="true" local="true" type="CloudStorage" /></DataBases>';
    const local =
      '<DataBases><DataBase active="true" local="true" type="Cassandra"><PWD/></DataBase></DataBases>';
    expect(
      storageAsAServiceProblems([
        { role: 'primary', facts: facts({ label: 'dma1', dbXml: cloud }) },
        { role: 'backup', facts: facts({ label: 'dma1b', dbXml: cloud }) },
      ]),
    ).toEqual([]);
    expect(
      storageAsAServiceProblems([
        { role: 'primary', facts: facts({ label: 'dma1', dbXml: cloud }) },
        { role: 'backup', facts: facts({ label: 'dma1b', dbXml: local }) },
      ]),
    ).toEqual([
      'dma1b (backup) is not registered for Storage as a Service: its DB.xml has no <DataBase type="CloudStorage">; go through "Adding a DMA to a DMS running STaaS" on it (the Cloud Pack, the CcaGatewayPersisted copy), without joining it to the DMS',
    ]);
  });
  it('a backup in a cluster or with elements is not newly installed', () => {
    const dms = parseDmsXml(
      '<DMS><Cluster name="Prod"><DMA ip="10.0.0.12" id="12"/><DMA ip="10.0.0.30" id="30"/></Cluster></DMS>',
    );
    expect(newBackupProblems(facts({ label: 'b', dms, elements: ['Router 1'] }), ['10.0.0.12'])).toEqual([
      'b (backup) is in a DMS cluster "Prod" with 10.0.0.30 (ID 30): the backup must be a newly installed agent, not a member of any DMS cluster',
      'b (backup) hosts 1 element (Router 1): the backup must be newly installed, with nothing in use',
    ]);
    const alone = parseDmsXml('<DMS><Cluster name="b"><DMA ip="10.0.0.12" id="12"/></Cluster></DMS>');
    expect(newBackupProblems(facts({ dms: alone, elements: [] }), ['10.0.0.12'])).toEqual([]);
  });
  it('applies the no-mix rule to what the primary DMS.xml holds', () => {
    const dms = parseDmsXml(
      '<DMS><Cluster><DMA ip="dma7.example.com" id="7"/></Cluster><Failover><FailoverType>HostName</FailoverType><Hostname>p.example.com</Hostname></Failover></DMS>',
    );
    const vip = { kind: 'virtual-ip' as const, virtualIps: ['10.0.0.50'], packetCaptureFiles: [] };
    expect(existingMixFindings(dms, vip, v('10.3.0.0-1-CU9')).problems[0]).toMatch(
      /^the primary's DMS.xml already holds a Failover pair by hostname p.example.com, the agent added by hostname dma7.example.com; this pair is by virtual IP: from 10.2.0 \[CU21\]/,
    );
    expect(existingMixFindings(dms, vip, v('10.2.0.0-1-CU20'))).toMatchObject({
      problems: [],
      notes: [expect.stringContaining('avoid mixing')],
    });
    expect(
      existingMixFindings(dms, { kind: 'hostname', sharedHostname: 'q.example.com' }, v('10.3.0 [CU9]'))
        .problems,
    ).toEqual([]);
  });
  it('one VIP per adapter, none answering, Npcap on both', () => {
    expect(
      virtualIpProblems(
        ['10.0.0.50'],
        [
          {
            label: 'dma1',
            adapters: [{ name: 'Ethernet' }, { name: 'Ethernet 2' }],
            basis: 'the physical adapters',
            answers: [{ vip: '10.0.0.50' }],
            packetCapture: true,
            packetCaptureFiles: ['C:\\Windows\\System32\\Npcap\\wpcap.dll'],
          },
          {
            label: 'dma1b',
            adapters: [{ name: 'Ethernet' }],
            basis: 'the physical adapters',
            answers: [{ vip: '10.0.0.50', how: 'arp 02:00:00:00:00:01' }],
            packetCapture: false,
            packetCaptureFiles: [
              'C:\\Windows\\System32\\Npcap\\wpcap.dll',
              'C:\\Windows\\System32\\wpcap.dll',
            ],
          },
        ],
      ),
    ).toEqual([
      'dma1 has 2 network adapters in use (Ethernet, Ethernet 2; from the physical adapters) but 1 virtual IP is given: one per adapter in use, corporate first, then acquisition',
      'dma1b has no Npcap (or WinPcap): none of C:\\Windows\\System32\\Npcap\\wpcap.dll, C:\\Windows\\System32\\wpcap.dll exists; a virtual IP pair needs it on both agents: install Npcap (or set packetCaptureFiles to where it is)',
      '10.0.0.50 answers (arp 02:00:00:00:00:01) seen from dma1b: a virtual IP must be unused anywhere else before Failover is set up',
    ]);
  });
  it('the hostname resolves to exactly both agents, from both, with ARR on both', () => {
    expect(
      hostnameProblems(
        'p.example.com',
        ['10.0.0.11', '10.0.0.12'],
        [
          {
            label: 'dma1',
            resolved: ['10.0.0.12', '10.0.0.11'],
            arr: true,
            reverse: [
              { address: '10.0.0.11', name: 'dma1.example.com' },
              { address: '10.0.0.12', name: 'dma1b.example.com' },
            ],
          },
          {
            label: 'dma1b',
            resolved: ['10.0.0.11'],
            arr: false,
            reverse: [{ address: '10.0.0.11', name: 'dma1.example.com' }, { address: '10.0.0.12' }],
          },
        ],
      ),
    ).toEqual([
      "p.example.com resolves to 10.0.0.11 from dma1b; it must resolve to exactly both agents' primary IPs (10.0.0.11, 10.0.0.12)",
      "10.0.0.12 does not resolve back to a name from dma1b: a shared-hostname pair needs the reverse lookup of both agents' primary IPs; create their PTR records",
      'dma1b lacks IIS Application Request Routing, which a shared-hostname pair needs on both agents: install it',
    ]);
  });
});

describe('the adapters in use', () => {
  const adapters = parseAdapters(
    [
      'Ethernet\t02-CF-18-00-0C-01\tTrue\t10.0.0.11',
      'vEthernet (Default Switch)\t00-15-5D-01-02-03\tFalse\t172.20.0.1',
      'Ethernet 2\t02-CF-18-00-0D-01\tTrue\t10.1.0.11',
      'Ethernet 2\t02-CF-18-00-0D-01\tTrue\t10.1.0.50',
    ].join('\r\n'),
  );

  it('are the ones DataMiner.xml lists in <NetworkAdapters>, in its order, whatever the MAC notation', () => {
    // How DataMiner writes a MAC there is not documented: every common notation is read.
    for (const [first, second] of [
      ['02-CF-18-00-0D-01', '02-CF-18-00-0C-01'],
      ['02:cf:18:00:0d:01', '02:cf:18:00:0c:01'],
      ['02CF18000D01', '02CF18000C01'],
    ]) {
      const xml = `<DataMiner id="7"><NetworkAdapters><MAC>${first}</MAC><MAC>${second}</MAC></NetworkAdapters></DataMiner>`;
      const inUse = adaptersInUse(adapters, xml);
      expect(inUse.adapters.map((a) => a.name)).toEqual(['Ethernet 2', 'Ethernet']);
      expect(inUse.basis).toBe("DataMiner.xml's <NetworkAdapters>");
    }
  });

  it('without <NetworkAdapters>, are the physical ones: a Hyper-V or VPN adapter does not count, and the result says so', () => {
    const inUse = adaptersInUse(adapters, '<DataMiner id="7"/>');
    expect(inUse.adapters.map((a) => [a.name, a.addresses])).toEqual([
      ['Ethernet', ['10.0.0.11']],
      ['Ethernet 2', ['10.1.0.11', '10.1.0.50']],
    ]);
    expect(inUse.basis).toBe('the physical adapters: DataMiner.xml has no <NetworkAdapters>');
  });
});

describe('the backup files', () => {
  const primaryDb =
    '<?xml version="1.0"?>\n<DataBases xmlns="http://www.skyline.be/config/db">\n  <DataBase active="true" local="true" type="CassandraCluster"><DBServer>10.3.1.100,10.3.1.101</DBServer><DB>sldmadb</DB><UID>root</UID><PWD>{3F2504E0-4F89-11D3}</PWD></DataBase>\n  <DataBase active="true" search="true" type="Elasticsearch" ID="es1" priorityOrder="0"><DBServer>10.3.1.100:9200</DBServer></DataBase>\n</DataBases>\n';
  const backupDb =
    '<?xml version="1.0"?>\n<DataBases xmlns="http://www.skyline.be/config/db">\n  <DataBase active="true" local="true" type="Cassandra"><DBServer>localhost</DBServer></DataBase>\n</DataBases>\n';
  const dedicated = {
    type: 'dedicated-clustered' as const,
    cassandraHosts: ['10.3.1.100'],
    searchHosts: ['10.3.1.100'],
    tls: false,
    passwordEnv: 'P',
    passwordEnvs: {},
    backupPriorityOrder: { es1: 1 },
  };

  it('copies the primary databases with the plain-text password and the backup priority', () => {
    const changes = backupChanges(
      facts({ id: 7, dbXml: primaryDb }),
      facts({ id: 12, dataMinerXml: '<DataMiner id="12" name="b"/>', dbXml: backupDb }),
      dedicated,
      v('10.4.0'),
      new Map([[1, 'pl&in']]),
    );
    expect(changes.map((c) => c.path)).toEqual(['DataMiner.xml', 'DB.xml']);
    expect(changes[0].content).toBe('<DataMiner id="7" name="b"/>');
    expect(changes[1].content).toContain('<PWD>pl&amp;in</PWD>');
    expect(changes[1].content).toContain('ID="es1" priorityOrder="1"');
    expect(changes[1].content.startsWith('<?xml version="1.0"?>\n<DataBases')).toBe(true);
  });
  it('refuses a backup priority on search IDs the primary lacks or repeats, naming them', () => {
    expect(priorityOrderProblems(primaryDb, dedicated)).toEqual([]);
    expect(priorityOrderProblems(primaryDb, { ...dedicated, backupPriorityOrder: { es9: 0 } })).toEqual([
      "storage.backupPriorityOrder names es9, which the primary's DB.xml has no search database ID for",
    ]);
    // The vendor's own example gives two search databases ID="0": the order would land on the last.
    const repeated = primaryDb.replace(
      '</DataBases>',
      '  <DataBase active="true" search="true" type="Elasticsearch" ID="es1" priorityOrder="1"><DBServer>10.3.1.101:9200</DBServer></DataBase>\n</DataBases>',
    );
    expect(priorityOrderProblems(repeated, dedicated)).toEqual([
      'the primary\'s DB.xml gives the search database ID "es1" to more than one <DataBase search="true">: give each search database its own ID in the primary\'s DB.xml, then set storage.backupPriorityOrder',
    ]);
    // Without a backup priority, the IDs are copied as they are: nothing to refuse.
    expect(priorityOrderProblems(repeated, { ...dedicated, backupPriorityOrder: {} })).toEqual([]);
  });
  it('gives each database its own password, found by its ID or type; an empty <PWD/> stays empty', () => {
    const several = [
      '<DataBases>',
      '<DataBase active="true" local="true" type="CassandraCluster"><DBServer>c1</DBServer><UID>root</UID><PWD>{A}</PWD></DataBase>',
      '<DataBase active="true" search="true" type="Elasticsearch" ID="es1"><DBServer>s1:9200</DBServer><UID>admin</UID><PWD>{B}</PWD></DataBase>',
      '<DataBase active="true" search="true" type="Elasticsearch" ID="es2"><DBServer>s2:9200</DBServer><PWD/></DataBase>',
      '</DataBases>',
    ].join('\n');
    const entries = databaseEntries(several);
    expect(entries.map((e) => [e.position, e.id, e.type, e.hasPassword])).toEqual([
      [1, undefined, 'CassandraCluster', true],
      [2, 'es1', 'Elasticsearch', true],
      [3, 'es2', 'Elasticsearch', false],
    ]);
    const named = {
      ...dedicated,
      passwordEnv: undefined,
      passwordEnvs: { CassandraCluster: 'CASS_PW', es1: 'ES_PW' },
    };
    const sources = passwordSources(entries, named);
    expect(sources).toEqual({
      byPosition: new Map([
        [1, 'CASS_PW'],
        [2, 'ES_PW'],
      ]),
      problems: [],
    });
    const written = withDataBasesOf(
      backupDb,
      several,
      new Map([
        [1, 'c<s'],
        [2, 'e&s'],
      ]),
    );
    expect(written).toContain('<UID>root</UID><PWD>c&lt;s</PWD>');
    expect(written).toContain('<UID>admin</UID><PWD>e&amp;s</PWD>');
    expect(written).toContain('<DBServer>s2:9200</DBServer><PWD/>');
    // One passwordEnv for several databases: refused, naming those without their own.
    expect(passwordSources(entries, { ...dedicated, passwordEnvs: {} }).problems).toEqual([
      'the primary\'s DB.xml has 2 databases with a password, and none is given for <DataBase type="CassandraCluster">, <DataBase ID="es1"> (storage.passwordEnv stands for one database only): name the environment variable of each in storage.passwordEnvs, by its ID (or its type when it has none)',
    ]);
    expect(
      passwordSources(entries, { ...named, passwordEnvs: { ...named.passwordEnvs, es9: 'X' } }).problems,
    ).toEqual([
      'storage.passwordEnvs names "es9", which no <DataBase> of the primary\'s DB.xml has as its ID or type',
    ]);
    // One database with a password: passwordEnv is its password.
    expect(passwordSources(databaseEntries(primaryDb), dedicated)).toEqual({
      byPosition: new Map([[1, 'P']]),
      problems: [],
    });
  });
  it('finds nothing to change once the backup is prepared, whatever DataMiner encrypted', () => {
    const prepared = withDataBasesOf(backupDb, primaryDb, new Map([[1, 'plain']])).replace(
      '<PWD>plain</PWD>',
      '<PWD>{encrypted-by-backup}</PWD>',
    );
    expect(databasesForComparison(prepared)).toEqual(databasesForComparison(primaryDb));
    expect(
      backupChanges(
        facts({ id: 7, dbXml: primaryDb }),
        facts({ id: 7, dbXml: prepared }),
        { ...dedicated, backupPriorityOrder: {} },
        v('10.4.0'),
        new Map([[1, 'plain']]),
      ),
    ).toEqual([]);
  });
  it('copies DBConfiguration.xml before 10.4.0/10.4.2, where it was found', () => {
    const config = { folder: 'Databases', xml: '<DatabaseConfiguration/>' };
    const change = (version: string) =>
      backupChanges(
        facts({ id: 7, dbXml: primaryDb, dbConfiguration: config }),
        facts({ id: 7, dbXml: primaryDb }),
        { ...dedicated, backupPriorityOrder: {} },
        v(version),
        new Map([[1, 'x']]),
      ).map((c) => c.path);
    expect(change('10.3.0 [CU9]')).toEqual(['Databases\\DBConfiguration.xml']);
    expect(change('10.4.2')).toEqual([]);
  });
  it('reads the installed version from the last line of VersionHistory.txt', () => {
    expect(
      parseVersionHistory(
        '2024-01-01 10:00:00;10.3.0.0-12752-CU8\r\n2025-03-27 11:16:35;10.3.0.0-12752-CU9\r\n\r\n',
      ),
    ).toBe('10.3.0.0-12752-CU9');
  });
});

describe("Cube's values per network interface", () => {
  it('lists, per interface in order, the virtual IP and each agent’s own IP there', () => {
    const adapters = (first: string, second?: string) => [
      { name: 'Ethernet', addresses: [first] },
      ...(second ? [{ name: 'Ethernet 2', addresses: [second] }] : []),
    ];
    expect(
      cubeInterfaceValues(
        ['10.0.1.50', '10.0.2.50'],
        [
          { label: 'dma-a', adapters: adapters('10.0.1.11', '10.0.2.11') },
          { label: 'dma-b', adapters: adapters('10.0.1.12') },
        ],
      ),
    ).toBe(
      'Cube values: interface 1 (corporate): virtual IP 10.0.1.50, dma-a 10.0.1.11 (Ethernet), dma-b 10.0.1.12 (Ethernet); interface 2 (acquisition): virtual IP 10.0.2.50, dma-a 10.0.2.11 (Ethernet 2), dma-b no adapter',
    );
  });
});

describe('the port paths between the agents', () => {
  const checks = [
    { from: 'both' as const, to: 'peer', anyOf: [8004], purpose: '.NET Remoting' },
    {
      from: 'both' as const,
      to: 'peer',
      anyOf: [9090],
      purpose: 'NATS account server',
      unlessBrokerGateway: true,
    },
    { from: 'both' as const, to: '10.0.1.90', anyOf: [9042, 9142], purpose: 'Cassandra cluster CQL' },
  ];
  it('skips the NATS account server under BrokerGateway, and names each closed path with its ports', () => {
    expect(applicableChecks(checks, true).map((c) => c.purpose)).toEqual([
      '.NET Remoting',
      'Cassandra cluster CQL',
    ]);
    expect(
      closedPortProblems({ label: 'dma-a' }, { label: 'dma-b', address: '10.0.1.12' }, checks, [
        true,
        false,
        false,
      ]),
    ).toEqual([
      'dma-a → dma-b TCP 9090 (NATS account server) is closed',
      'dma-a → 10.0.1.90 TCP 9042 or 9142 (Cassandra cluster CQL) is closed',
    ]);
  });
});
