/**
 * The DataMiner handlers (preflight, prepare-backup, verify, failover-enabled) against two Windows
 * fixture hosts: facts in, the commands sent, the no-op reason or every problem out at once,
 * nothing written by a step that only checks.
 */
import { ATOMIC_WRITE_PS, READ_FILE_PS, REMOVE_FILE_PS } from '../../src/dialect/powershell';
import {
  ANSWERS_AT_PS,
  LIST_ADAPTER_ADDRESSES_PS,
  LIST_FOLDERS_PS,
  PATH_EXISTS_PS,
  AWAIT_PROCESS_PS,
  PROCESS_STATE_PS,
  RUN_AND_WAIT_PS,
} from '../../src/dialect/windows-primitives';
import { ActionRegistry } from '../../src/runner/action-registry';
import { executeStep } from '../../src/runner/execute-step';
import type { RemoteHost } from '../../src/runner/remote-host';
import type { HostConfig } from '../../src/schema/host';
import { toStepSpec } from '../../src/step';
import { HOLDS_VIRTUAL_IPS } from '../../src/summary/topology';
import { PINNED_KEY } from '../../test/support/synth-hosts';
import {
  runs,
  WindowsCommand,
  windowsFixtureHost,
  WindowsMachine,
} from '../../test/support/windows-fixture-host';
import type { PreflightAction, VerifyAction } from './actions';
import {
  ARR_FOLDER,
  DATAMINER_PROCESS,
  DATAMINER_FILES,
  DEFAULT_PACKET_CAPTURE_FILES,
  DEFAULT_TASKBAR_UTILITY,
  inInstallDir,
} from './commands';
import { DATAMINER_FAILOVER_PAIR_HANDLERS } from './handlers';
import {
  BACKUP_STEP,
  FAILOVER_STEP,
  planDataMinerFailoverPairSteps,
  portChecks,
  PREFLIGHT_STEP,
  VERIFY_STEP,
} from './plan';
import { parseDataMinerVersion } from './versions';
import { dataMinerFailoverPairSchema, DEFAULT_INSTALL_DIR } from './props';

const registry = new ActionRegistry().add('DataMinerFailoverPair', DATAMINER_FAILOVER_PAIR_HANDLERS);
const PRIMARY = '10.0.1.11';
const BACKUP = '10.0.1.12';
const agent = (name: string, address: string) => ({
  host: {
    name,
    address,
    os: 'windows' as const,
    user: 'svc',
    hostKeySha256: PINNED_KEY,
    credentials: { kind: 'agent' as const, socketEnv: 'SSH_AUTH_SOCK' },
  },
});
const configProps = {
  version: '10.3.0 [CU9]',
  primary: agent('dma-a', PRIMARY),
  backup: agent('dma-b', BACKUP),
  virtualIps: ['10.0.1.50'],
  storage: { type: 'cassandra-per-agent' },
};
const config = dataMinerFailoverPairSchema.parse(configProps);
const verifyStep = toStepSpec(planDataMinerFailoverPairSteps(config).find((s) => s.id === VERIFY_STEP)!);
const verifyAction = verifyStep.actions[0] as VerifyAction;

/** An installed agent: DataMiner.xml with its ID, the version history, the service, reachable by its peer. */
function installedAgent(id: number, version: string, peer: string): WindowsMachine {
  const machine = new WindowsMachine();
  const at = (relative: string) => inInstallDir(DEFAULT_INSTALL_DIR, relative);
  machine.writeFile(at(DATAMINER_FILES.dataMiner), `<DataMiner id="${id}" />`);
  machine.writeFile(at(DATAMINER_FILES.versionHistory), `10.3.0.0-12345;${version}\r\n`);
  machine.writeFile(at(DATAMINER_FILES.dms), '<DMS><Cluster name="DMS"/></DMS>');
  machine.processes.add(DATAMINER_PROCESS);
  machine.answering.add(peer);
  for (const check of verifyAction.ports) machine.answering.add(`${peer}:${check.anyOf[0]}`);
  return machine;
}

/** What the backup's DataMiner does when the tests stop and start it. */
interface BackupControl {
  startSucceeds: boolean;
  /** SLTaskbarUtility.exe -stop fails with this exit status. */
  stopFailsWith?: number;
  /** What DataMiner does to its files as it starts. */
  onStart?: () => void;
}

async function run(
  step: typeof verifyStep,
  primary: WindowsMachine,
  backup: WindowsMachine,
  control?: BackupControl,
  checkOnly = false,
) {
  const sent: WindowsCommand[] = [];
  const hosts = new Map<string, RemoteHost>();
  for (const [address, machine] of [
    [PRIMARY, primary],
    [BACKUP, backup],
  ] as const) {
    const config = verifyAction[address === PRIMARY ? 'primary' : 'backup'].host;
    hosts.set(
      address,
      windowsFixtureHost(config, (c) => {
        sent.push({ ...c, vars: { ...c.vars, on: address } });
        const answer = machine.answer(c);
        if (answer) return answer;
        if (control && machine === backup && runs(c, RUN_AND_WAIT_PS)) {
          expect(c.vars.program).toBe(DEFAULT_TASKBAR_UTILITY);
          if (c.vars.argument === '-stop') {
            if (control.stopFailsWith)
              return { code: control.stopFailsWith, stdout: 'Access is denied.\r\n' };
            machine.processes.delete(DATAMINER_PROCESS);
            return {};
          }
          if (!control.startSucceeds) return { code: 5, stdout: 'DataMiner could not be started\r\n' };
          machine.processes.add(DATAMINER_PROCESS);
          control.onStart?.();
          return {};
        }
        throw new Error(`unexpected script:\n${c.script}`);
      }).host,
    );
  }
  const report = await executeStep(step, {
    connect: async (host: HostConfig) => hosts.get(host.address)!,
    handlers: registry,
    checkOnly,
  });
  return { report, sent };
}

describe('verify', () => {
  it('finds two agents prepared alike, and writes nothing', async () => {
    const { report, sent } = await run(
      verifyStep,
      installedAgent(7, '10.3.0.0-12345', BACKUP),
      installedAgent(7, '10.3.0.0-12345', PRIMARY),
    );
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail).toBe('both agents: DataMiner ID 7, 10.3.0.0-12345; ports open');
    expect(sent.filter((c) => runs(c, ATOMIC_WRITE_PS))).toEqual([]);
  });

  it('reports every difference at once: the ID, the version, a stopped backup and a closed port', async () => {
    const backup = installedAgent(8, '10.3.0.0-99999', PRIMARY);
    backup.processes.delete(DATAMINER_PROCESS);
    backup.answering.delete(`${PRIMARY}:4222`);
    const { report } = await run(verifyStep, installedAgent(7, '10.3.0.0-12345', BACKUP), backup);
    expect(report.outcome).toBe('failed');
    const reason = report.reason!;
    expect(reason).toContain('the pair is not prepared alike:');
    expect(reason).toContain('the DataMiner IDs differ: dma-a (primary) 7, dma-b (backup) 8');
    expect(reason).toContain(
      'the versions differ: dma-a (primary) 10.3.0.0-12345, dma-b (backup) 10.3.0.0-99999',
    );
    expect(reason).toContain('DataMiner does not run on dma-b (backup): no SLDataMiner process');
    expect(reason).toContain('dma-b → dma-a TCP 4222 (NATS) is closed');
  });
});

describe('the ports between the agents, as the vendor lists them today', () => {
  const checked = (version: string, storage: object) =>
    portChecks(
      dataMinerFailoverPairSchema.parse({ ...configProps, version, storage }).storage,
      parseDataMinerVersion(version)!,
    ).map(
      (c) =>
        `${c.to === 'peer' ? 'peer' : c.to}:${c.anyOf.join('|')}${c.unlessBrokerGateway ? ' unless BrokerGateway' : ''}`,
    );

  it('8004 always; 443 too where gRPC is the default; 9090 only before 10.6 and BrokerGateway; CQL on 9042 with TLS too', () => {
    const dedicated = {
      type: 'dedicated-clustered',
      cassandraHosts: ['10.0.1.90'],
      searchHosts: ['10.0.1.91'],
      passwordEnv: 'DB_PW',
      tls: true,
    };
    expect(checked('10.3.0 [CU9]', dedicated)).toEqual([
      'peer:8004',
      'peer:4222',
      'peer:6222',
      'peer:9090 unless BrokerGateway',
      '10.0.1.90:9042',
      '10.0.1.91:9200',
    ]);
    expect(checked('10.5.10', { type: 'storage-as-a-service' })).toEqual([
      'peer:8004',
      'peer:443',
      'peer:4222',
      'peer:6222',
      'peer:9090 unless BrokerGateway',
    ]);
    expect(checked('10.6.0 [CU1]', { type: 'storage-as-a-service' })).toEqual([
      'peer:8004',
      'peer:443',
      'peer:4222',
      'peer:6222',
    ]);
  });

  it('verify refuses neither on a blocked ping nor on a closed 9090 when an agent runs BrokerGateway', async () => {
    const primary = installedAgent(7, '10.3.0.0-12345', BACKUP);
    const backup = installedAgent(7, '10.3.0.0-12345', PRIMARY);
    primary.answering.delete(BACKUP);
    backup.answering.delete(PRIMARY);
    backup.answering.delete(`${PRIMARY}:9090`);
    const closed = await run(verifyStep, primary, backup);
    expect(closed.report.reason).toContain('dma-b → dma-a TCP 9090 (NATS account server) is closed');
    expect(closed.report.reason).not.toContain('ping');
    primary.writeFile(
      inInstallDir(DEFAULT_INSTALL_DIR, DATAMINER_FILES.maintenance),
      '<MaintenanceSettings><SLNet><BrokerGateway>true</BrokerGateway></SLNet></MaintenanceSettings>',
    );
    const migrated = await run(verifyStep, primary, backup);
    expect(migrated.report.outcome).toBe('ok');
  });
});

describe('prepare the backup', () => {
  const backupStep = toStepSpec(planDataMinerFailoverPairSteps(config).find((s) => s.id === BACKUP_STEP)!);
  const kinds = (sent: WindowsCommand[]) =>
    sent
      .filter(
        (c) =>
          !runs(c, READ_FILE_PS) &&
          !runs(c, PROCESS_STATE_PS) &&
          !runs(c, AWAIT_PROCESS_PS) &&
          !runs(c, LIST_FOLDERS_PS) &&
          !runs(c, PATH_EXISTS_PS),
      )
      .map((c) => {
        const on = c.vars.on === PRIMARY ? 'primary' : 'backup';
        if (runs(c, ATOMIC_WRITE_PS)) return `${on} write ${c.vars.path}`;
        if (runs(c, REMOVE_FILE_PS)) return `${on} remove ${c.vars.path}`;
        if (runs(c, RUN_AND_WAIT_PS))
          return `${on} ${c.vars.argument === '-stop' ? 'stop' : 'start'} DataMiner`;
        return `${on} other`;
      });
  const PENDING = 'C:\\ProgramData\\cdktf-failover\\pending\\dataminer-start-due';
  const DATAMINER_XML = inInstallDir(DEFAULT_INSTALL_DIR, DATAMINER_FILES.dataMiner);

  it('gives the backup the primary ID, with DataMiner stopped on the backup only, and a start that failed is done on the next run', async () => {
    const primary = installedAgent(7, '10.3.0.0-12345', BACKUP);
    const backup = installedAgent(8, '10.3.0.0-12345', PRIMARY);
    const control = { startSucceeds: false };
    const first = await run(backupStep, primary, backup, control);
    expect(first.report.outcome).toBe('failed');
    expect(first.report.reason).toBe(
      'starting DataMiner on dma-b (SLTaskbarUtility.exe -start) failed (exit 5): DataMiner could not be started; look at its logs and start it again',
    );
    expect(kinds(first.sent)).toEqual([
      `backup write ${PENDING}`,
      'backup stop DataMiner',
      `backup write ${DATAMINER_XML}`,
      'backup start DataMiner',
    ]);
    expect(backup.readFile(DATAMINER_XML)).toBe('<DataMiner id="7" />');
    expect(backup.readFile(PENDING)).toBeDefined();

    control.startSucceeds = true;
    const second = await run(backupStep, primary, backup, control);
    expect(second.report.outcome).toBe('changed');
    expect(second.report.actions[0].detail).toBe('DataMiner started on the backup (due from an earlier run)');
    expect(kinds(second.sent)).toEqual(['backup start DataMiner', `backup remove ${PENDING}`]);
    expect(backup.processes.has(DATAMINER_PROCESS)).toBe(true);

    const third = await run(backupStep, primary, backup, control);
    expect(third.report.actions[0].detail).toBe('the backup is already prepared; DataMiner was not stopped');
    expect(kinds(third.sent)).toEqual([]);
  });
});

const stepOf = (props: object, id: string) =>
  toStepSpec(
    planDataMinerFailoverPairSteps(dataMinerFailoverPairSchema.parse(props)).find((s) => s.id === id)!,
  );
const at = (relative: string) => inInstallDir(DEFAULT_INSTALL_DIR, relative);
/** What a step sent to one agent, as "<script kind> <subject>", reads of files and processes aside. */
const sentTo = (sent: WindowsCommand[], address: string) => sent.filter((c) => c.vars.on === address);
const changesIn = (sent: WindowsCommand[]) =>
  sent.filter((c) => runs(c, ATOMIC_WRITE_PS) || runs(c, REMOVE_FILE_PS) || runs(c, RUN_AND_WAIT_PS));

describe('preflight', () => {
  const saasProps = { ...configProps, storage: { type: 'storage-as-a-service' } };
  const preflightStep = stepOf(saasProps, PREFLIGHT_STEP);
  const preflightAction = preflightStep.actions[0] as PreflightAction;
  const CLOUD_DB = '<DataBases><DataBase active="true" type="CloudStorage" /></DataBases>';

  /** An agent ready for a new virtual-IP pair: registered for STaaS, one adapter, Npcap, its peer's ports open. */
  function readyAgent(id: number, self: string, peer: string): WindowsMachine {
    const machine = installedAgent(id, '10.3.0.0-12345', peer);
    machine.writeFile(at(DATAMINER_FILES.db), CLOUD_DB);
    machine.adapters = [{ alias: 'Ethernet', address: self }];
    machine.writeFile(DEFAULT_PACKET_CAPTURE_FILES[0], 'npcap');
    for (const check of preflightAction.ports) machine.answering.add(`${peer}:${check.anyOf[0]}`);
    return machine;
  }

  it('finds a new pair ready: one batch per agent for the adapters and the VIP, the Cube values, nothing changed', async () => {
    const { report, sent } = await run(
      preflightStep,
      readyAgent(7, PRIMARY, BACKUP),
      readyAgent(8, BACKUP, PRIMARY),
    );
    expect(report.outcome).toBe('ok');
    const detail = report.actions[0].detail!;
    expect(detail.startsWith('both agents ready; ')).toBe(true);
    expect(detail).toContain(
      'Cube values: interface 1 (corporate): virtual IP 10.0.1.50, dma-a 10.0.1.11 (Ethernet), dma-b 10.0.1.12 (Ethernet)',
    );
    expect(detail).toContain(
      `dma-b has no licence file (dataminer.lic or response.lic) in ${DEFAULT_INSTALL_DIR}`,
    );
    for (const address of [PRIMARY, BACKUP])
      expect(
        sentTo(sent, address)
          .filter((c) => runs(c, ANSWERS_AT_PS))
          .map((c) => c.vars.address),
      ).toEqual(['10.0.1.50']);
    expect(changesIn(sent)).toEqual([]);
  });

  it('reports every problem at once: a backup in use, a VIP that answers, no Npcap, no STaaS, a closed port', async () => {
    const primary = readyAgent(7, PRIMARY, BACKUP);
    const backup = readyAgent(8, BACKUP, PRIMARY);
    backup.writeFile(
      at(DATAMINER_FILES.dms),
      '<DMS><Cluster name="Prod"><DMA ip="10.0.1.99" id="3"/></Cluster></DMS>',
    );
    backup.writeFile(at(`${DATAMINER_FILES.elements}\\router\\Element.xml`), '<Element />');
    backup.writeFile(
      at(DATAMINER_FILES.db),
      '<DataBases><DataBase active="true" type="Cassandra" /></DataBases>',
    );
    backup.files.delete(DEFAULT_PACKET_CAPTURE_FILES[0].toLowerCase());
    primary.answering.add('10.0.1.50');
    primary.answering.delete(`${BACKUP}:8004`);
    const { report, sent } = await run(preflightStep, primary, backup);
    expect(report.outcome).toBe('failed');
    const reason = report.reason!;
    expect(reason).toContain(
      'the DataMiner agents cannot be prepared for Failover yet; nothing was changed on either agent:',
    );
    expect(reason).toContain('dma-b (backup) is in a DMS cluster "Prod" with 10.0.1.99 (ID 3)');
    expect(reason).toContain('dma-b (backup) hosts 1 element (router)');
    expect(reason).toContain('10.0.1.50 answers (icmp) seen from dma-a');
    expect(reason).toContain('dma-b has no Npcap (or WinPcap)');
    expect(reason).toContain('dma-b (backup) is not registered for Storage as a Service');
    expect(reason).toContain('dma-a → dma-b TCP 8004');
    expect(reason).not.toContain('dma-a (primary) is not registered');
    expect(changesIn(sent)).toEqual([]);
  });

  it('on a pair already configured, says so and reads neither the adapters nor the VIP', async () => {
    const primary = readyAgent(7, PRIMARY, BACKUP);
    const backup = readyAgent(7, BACKUP, PRIMARY);
    const dms =
      '<DMS><Cluster name="DMS"/><Failover><FailoverType>VirtualIP</FailoverType><VirtualIPs>10.0.1.50</VirtualIPs></Failover></DMS>';
    for (const machine of [primary, backup]) machine.writeFile(at(DATAMINER_FILES.dms), dms);
    const { report, sent } = await run(preflightStep, primary, backup);
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail!.startsWith('Failover already configured for this pair; ')).toBe(true);
    expect(sent.filter((c) => runs(c, ANSWERS_AT_PS) || runs(c, LIST_ADAPTER_ADDRESSES_PS))).toEqual([]);
  });

  it('a shared hostname: its DNS and reverse lookups and ARR from both agents, each missing one named', async () => {
    const { virtualIps: _vips, ...withoutVips } = saasProps;
    const step = stepOf({ ...withoutVips, sharedHostname: 'dms.example.test' }, PREFLIGHT_STEP);
    const primary = readyAgent(7, PRIMARY, BACKUP);
    const backup = readyAgent(8, BACKUP, PRIMARY);
    for (const check of (step.actions[0] as PreflightAction).ports) {
      primary.answering.add(`${BACKUP}:${check.anyOf[0]}`);
      backup.answering.add(`${PRIMARY}:${check.anyOf[0]}`);
    }
    primary.names.set('dms.example.test', [PRIMARY, BACKUP]);
    primary.reverse.set(PRIMARY, 'dma-a.example.test').set(BACKUP, 'dma-b.example.test');
    primary.folders.add(ARR_FOLDER.toLowerCase());
    backup.reverse.set(BACKUP, 'dma-b.example.test');
    const { report } = await run(step, primary, backup);
    expect(report.outcome).toBe('failed');
    const reason = report.reason!;
    expect(reason).toContain('dms.example.test does not resolve from dma-b');
    expect(reason).toContain('10.0.1.11 does not resolve back to a name from dma-b');
    expect(reason).toContain('dma-b lacks IIS Application Request Routing');
    expect(reason).not.toContain('from dma-a');
    expect(reason).not.toContain('dma-a lacks');
  });
});

describe('failover enabled', () => {
  const failoverProps = { ...configProps, expectFailoverEnabled: true };
  const failoverStep = stepOf(failoverProps, FAILOVER_STEP);
  const FAILOVER_DMS =
    '<DMS><Cluster name="DMS"/><Failover><FailoverType>VirtualIP</FailoverType><VirtualIPs>10.0.1.50</VirtualIPs></Failover></DMS>';

  function pairWithFailover(): [WindowsMachine, WindowsMachine] {
    const primary = installedAgent(7, '10.3.0.0-12345', BACKUP);
    const backup = installedAgent(7, '10.3.0.0-12345', PRIMARY);
    for (const machine of [primary, backup]) machine.writeFile(at(DATAMINER_FILES.dms), FAILOVER_DMS);
    primary.adapters = [
      { alias: 'Ethernet', address: PRIMARY },
      { alias: 'Ethernet', address: '10.0.1.50' },
    ];
    backup.adapters = [{ alias: 'Ethernet', address: BACKUP }];
    return [primary, backup];
  }

  it('finds Failover on: both DMS.xml name it, the primary alone holds the VIP, and says who holds what', async () => {
    const { report, sent } = await run(failoverStep, ...pairWithFailover());
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail).toBe('both DMS.xml name this Failover; exactly one agent online');
    expect(report.actions[0].hostStates).toEqual({
      'dma-a': HOLDS_VIRTUAL_IPS,
      'dma-b': 'does not hold the virtual IPs',
    });
    expect(changesIn(sent)).toEqual([]);
  });

  it('names a DMS.xml without the Failover and both agents holding the VIP, at once', async () => {
    const [primary, backup] = pairWithFailover();
    backup.writeFile(at(DATAMINER_FILES.dms), '<DMS><Cluster name="DMS"/></DMS>');
    backup.adapters.push({ alias: 'Ethernet', address: '10.0.1.50' });
    const { report } = await run(failoverStep, primary, backup);
    expect(report.outcome).toBe('failed');
    expect(report.reason).toContain('Failover is not on as prepared:');
    expect(report.reason).toContain(
      'dma-b (backup): DMS.xml has no <Failover> of type VirtualIP naming 10.0.1.50',
    );
    expect(report.reason).not.toContain('dma-a (primary): DMS.xml has no');
    expect(report.reason).toContain(
      'both agents hold the virtual IPs 10.0.1.50: exactly one agent is online',
    );
  });
});

describe('prepare the backup, on the frame', () => {
  const backupStep = stepOf(configProps, BACKUP_STEP);
  const PENDING = 'C:\\ProgramData\\cdktf-failover\\pending\\dataminer-start-due';
  const DATAMINER_XML = at(DATAMINER_FILES.dataMiner);
  const described = (sent: WindowsCommand[]) =>
    changesIn(sent).map((c) =>
      runs(c, RUN_AND_WAIT_PS)
        ? `${c.vars.on === PRIMARY ? 'primary' : 'backup'} ${c.vars.argument}`
        : `${c.vars.on === PRIMARY ? 'primary' : 'backup'} ${runs(c, REMOVE_FILE_PS) ? 'remove' : 'write'} ${c.vars.path}`,
    );

  it('check-only says what it would stop and write, and sends nothing that changes', async () => {
    const backup = installedAgent(8, '10.3.0.0-12345', PRIMARY);
    const { report, sent } = await run(
      backupStep,
      installedAgent(7, '10.3.0.0-12345', BACKUP),
      backup,
      { startSucceeds: true },
      true,
    );
    expect(report.outcome).toBe('changed');
    expect(report.actions[0].detail).toBe('would stop DataMiner on the backup and write: DataMiner ID 8 → 7');
    expect(changesIn(sent)).toEqual([]);
    expect(backup.readFile(DATAMINER_XML)).toBe('<DataMiner id="8" />');
  });

  it('a primary whose ID cannot be read stops the preparation before anything is sent to the backup', async () => {
    const primary = installedAgent(7, '10.3.0.0-12345', BACKUP);
    primary.writeFile(DATAMINER_XML, '<DataMiner />');
    const { report, sent } = await run(backupStep, primary, installedAgent(8, '10.3.0.0-12345', PRIMARY), {
      startSucceeds: true,
    });
    expect(report.outcome).toBe('failed');
    expect(report.reason).toBe("dma-a: cannot read the primary's DataMiner ID; nothing was changed");
    expect(sentTo(sent, BACKUP)).toEqual([]);
  });

  it('a stop that fails writes no file and leaves the marker', async () => {
    const backup = installedAgent(8, '10.3.0.0-12345', PRIMARY);
    const { report, sent } = await run(backupStep, installedAgent(7, '10.3.0.0-12345', BACKUP), backup, {
      startSucceeds: true,
      stopFailsWith: 2,
    });
    expect(report.reason).toBe(
      'stopping DataMiner on dma-b (SLTaskbarUtility.exe -stop) failed (exit 2): Access is denied.',
    );
    expect(described(sent)).toEqual([`backup write ${PENDING}`, 'backup -stop']);
    expect(backup.readFile(DATAMINER_XML)).toBe('<DataMiner id="8" />');
    expect(backup.readFile(PENDING)).toBeDefined();
  });

  it('the marker an earlier version left (same name) is honoured: DataMiner is started and the marker cleared', async () => {
    const backup = installedAgent(7, '10.3.0.0-12345', PRIMARY);
    backup.processes.delete(DATAMINER_PROCESS);
    backup.writeFile(PENDING, 'DataMiner was stopped on the backup to prepare it\n');
    const { report, sent } = await run(backupStep, installedAgent(7, '10.3.0.0-12345', BACKUP), backup, {
      startSucceeds: true,
    });
    expect(report.outcome).toBe('changed');
    expect(report.actions[0].detail).toBe('DataMiner started on the backup (due from an earlier run)');
    expect(described(sent)).toEqual(['backup -start', `backup remove ${PENDING}`]);
    expect(backup.processes.has(DATAMINER_PROCESS)).toBe(true);
  });

  it('a preparation that does not hold (the ID back to 8 after the start) fails with what is left and keeps the marker', async () => {
    const backup = installedAgent(8, '10.3.0.0-12345', PRIMARY);
    const { report, sent } = await run(backupStep, installedAgent(7, '10.3.0.0-12345', BACKUP), backup, {
      startSucceeds: true,
      onStart: () => backup.writeFile(DATAMINER_XML, '<DataMiner id="8" />'),
    });
    expect(report.outcome).toBe('failed');
    expect(report.reason).toBe(
      "DataMiner was restarted on dma-b (the backup), but its files still differ from the primary's: DataMiner ID 8 → 7; compare them with the primary's and look at DataMiner's logs",
    );
    expect(described(sent)).toEqual([
      `backup write ${PENDING}`,
      'backup -stop',
      `backup write ${DATAMINER_XML}`,
      'backup -start',
    ]);
    expect(backup.readFile(PENDING)).toBeDefined();
  });
});
