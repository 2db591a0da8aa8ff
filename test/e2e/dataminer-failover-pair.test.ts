/**
 * DataMinerFailoverPair end to end: real terraform, the bundled runner, lab hosts emulating
 * Windows DataMiner agents (a lab `powershell` that recognises each constant primitive the library
 * sends, the SLDataMiner service with its files, ports and HTTPS endpoint, a per-agent Cassandra).
 * lab-a primary, lab-b backup, lab-c the dedicated storage and a neighbour.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataMinerFailoverPair, DataMinerFailoverPairProps } from '../../index';
import type { StepReport } from '../../src/runner/execute-step';
import {
  dataMinerState,
  DataMinerAgentOptions,
  cloudStorageDbXml,
  encryptedPassword,
  installDataMinerAgent,
  readAgentFile,
  snapshotAgentFiles,
} from '../lab/emulators/dataminer/setup';
import {
  decodedCommandLine,
  trustRootCertificate,
  windowsCommandLines,
} from '../lab/emulators/windows/setup';
import { serveTls } from '../lab/tls';
import {
  addHostAddress,
  blockBetween,
  LabHost,
  LabInventory,
  removeHostAddress,
  removeLabDnsRecord,
  resetHost,
  setLabDnsRecord,
  startInHost,
  startLab,
} from '../lab/lab';
import { labHostProps } from '../support/lab-hosts';
import { apply, init, stateResources, synthStack } from '../support/terraform';

jest.setTimeout(600_000);

const [PRIMARY, BACKUP, STORAGE] = ['lab-a', 'lab-b', 'lab-c'];
const VERSION = '10.3.0.0-12752-CU9';
const VIP = '198.18.0.50';
const HOSTNAME = 'dms-pair.lab.example';
const DB_PASSWORD = 'Cluster-Db-Pw!1';
const WS_PASSWORD = 'Web-Services-Pw!2';
const REDIRECT_PASSWORD = 'Redirect-Pw&3';
const env = {
  DMS_LAB_DB_PASSWORD: DB_PASSWORD,
  DMS_LAB_WS_PASSWORD: WS_PASSWORD,
  DMS_LAB_REDIRECT_PASSWORD: REDIRECT_PASSWORD,
};

let lab: LabInventory;
const host = (name: string): LabHost => lab.hosts.find((h) => h.name === name)!;
const agent = (name: string) => ({ host: labHostProps(lab, host(name), { os: 'windows' }) });
const outcomes = (reports: readonly StepReport[]) =>
  Object.fromEntries(reports.map((r) => [r.step, r.outcome]));

function pairProps(extra: Partial<DataMinerFailoverPairProps> = {}): DataMinerFailoverPairProps {
  return {
    version: '10.3.0 [CU9]',
    primary: agent(PRIMARY),
    backup: agent(BACKUP),
    virtualIps: [VIP],
    storage: { type: 'storage-as-a-service' },
    ...extra,
  };
}

/**
 * The two agents as a site has them before preparation: the primary in use, the backup freshly
 * installed, both registered for Storage as a Service (the pairs' default storage) unless told.
 */
async function installAgents(
  primary: Partial<DataMinerAgentOptions> = {},
  backup: Partial<DataMinerAgentOptions> = {},
): Promise<void> {
  await installDataMinerAgent(host(PRIMARY), {
    id: 7,
    version: VERSION,
    elements: ['Router 1', 'Encoder 2'],
    dbXml: cloudStorageDbXml(),
    ...primary,
  });
  await installDataMinerAgent(host(BACKUP), {
    id: 12,
    version: VERSION,
    dbXml: cloudStorageDbXml(),
    ...backup,
  });
}

async function deploy(props: DataMinerFailoverPairProps) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dataminer-e2e-'));
  const dir = synthStack((s) => new DataMinerFailoverPair(s, 'Pair', props), {
    outdir,
    engine: 'terraform_data',
  });
  await init(dir);
  return { dir, run: await apply(dir, { env }) };
}

/** A preflight refusal changes nothing on either agent: files byte for byte, no stop, no start. */
async function expectRefused(props: DataMinerFailoverPairProps, reason: RegExp): Promise<void> {
  const before = [snapshotAgentFiles(host(PRIMARY)), snapshotAgentFiles(host(BACKUP))];
  const starts = [dataMinerState(host(PRIMARY)), dataMinerState(host(BACKUP))].map((s) => [
    s.starts,
    s.stops,
  ]);
  const { run } = await deploy(props);
  expect(run.code).not.toBe(0);
  expect(outcomes(run.reports)).toEqual({ preflight: 'failed' });
  expect(run.reports[0].reason).toMatch(
    /^the DataMiner agents cannot be prepared for Failover yet; nothing was changed on either agent:/,
  );
  expect(run.reports[0].reason).toMatch(reason);
  expect([snapshotAgentFiles(host(PRIMARY)), snapshotAgentFiles(host(BACKUP))]).toEqual(before);
  expect(
    [dataMinerState(host(PRIMARY)), dataMinerState(host(BACKUP))].map((s) => [s.starts, s.stops]),
  ).toEqual(starts);
}

beforeAll(async () => {
  lab = await startLab();
});

beforeEach(() => {
  for (const name of [PRIMARY, BACKUP, STORAGE]) resetHost(name);
});

afterAll(() => {
  for (const name of [PRIMARY, BACKUP, STORAGE]) resetHost(name);
});

describe('DataMinerFailoverPair on emulated Windows agents', () => {
  it('prepares a VIP pair on dedicated storage from a fresh backup, then changes nothing and never restarts DataMiner', async () => {
    const storage = startInHost(STORAGE, [
      'sh',
      '-c',
      'python3 -m http.server 9200 >/dev/null 2>&1 & python3 -m http.server 9042 >/dev/null 2>&1 & wait',
    ]);
    try {
      const clusterDb = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<DataBases xmlns="http://www.skyline.be/config/db">',
        `  <DataBase active="true" local="true" type="CassandraCluster" consistencyLevel="Quorum"><DBServer>${host(STORAGE).address}</DBServer><DB>sldmadb</DB><UID>root</UID><PWD>${encryptedPassword('primary-secret', DB_PASSWORD)}</PWD></DataBase>`,
        `  <DataBase active="true" search="true" type="Elasticsearch" ID="es1" priorityOrder="0"><DBServer>${host(STORAGE).address}:9200</DBServer></DataBase>`,
        '</DataBases>',
        '',
      ].join('\r\n');
      await installAgents({ dbXml: clusterDb });
      const primaryBefore = snapshotAgentFiles(host(PRIMARY));
      const props = pairProps({
        storage: {
          type: 'dedicated-clustered',
          cassandraHosts: [host(STORAGE).address],
          searchHosts: [host(STORAGE).address],
          passwordEnv: 'DMS_LAB_DB_PASSWORD',
        },
      });
      const { dir, run: first } = await deploy(props);
      if (first.code !== 0) console.log(first.output);
      expect(first.code).toBe(0);
      expect(outcomes(first.reports)).toEqual({ preflight: 'ok', backup: 'changed', verify: 'ok' });
      console.log(
        `first deploy: ${first.reports.map((r) => `${r.step} ${(r.durationMs / 1000).toFixed(1)} s`).join(', ')}`,
      );
      const backup = dataMinerState(host(BACKUP));
      expect(backup).toMatchObject({ running: true, id: 7, starts: 2, stops: 1, dbPasswordsEncrypted: true });
      expect(backup.dbXml).toContain(`<PWD>${DB_PASSWORD}</PWD>`);
      expect(readAgentFile(host(BACKUP), 'DataMiner.xml')).toContain('id="7"');
      expect(readAgentFile(host(BACKUP), 'DB.xml')).toContain('type="CassandraCluster"');
      expect(readAgentFile(host(BACKUP), 'DB.xml')).not.toContain(DB_PASSWORD);
      expect(snapshotAgentFiles(host(PRIMARY))).toEqual(primaryBefore);
      expect(dataMinerState(host(PRIMARY))).toMatchObject({ starts: 1, stops: 0 });
      expect(
        JSON.stringify(first.reports) +
          first.output +
          fs.readFileSync(path.join(dir, 'terraform.tfstate'), 'utf8'),
      ).not.toContain(DB_PASSWORD);
      // No command line (as cmd.exe /c got it) held the password or the DB.xml written, decoded
      // or not; each fit cmd.exe's 8,191 characters.
      for (const agent of [host(PRIMARY), host(BACKUP)]) {
        const lines = windowsCommandLines(agent);
        expect(lines.length).toBeGreaterThan(0);
        console.log(
          `${agent.name}: ${lines.length} command lines, the longest ${Math.max(...lines.map((l) => l.length))} characters`,
        );
        for (const line of lines) {
          expect(line.length).toBeLessThanOrEqual(8191);
          for (const text of decodedCommandLine(line)) {
            expect(text).not.toContain(DB_PASSWORD);
            expect(text).not.toContain('type="CassandraCluster"');
          }
        }
      }

      const second = await apply(dir, { env });
      expect(second.code).toBe(0);
      expect(second.output).toContain('No changes.');
      // Forced to run again, every step finds the pair prepared: DataMiner is not stopped.
      const steps = await stateResources(dir);
      const forced = await apply(dir, { env, extraArgs: steps.map((r) => `-replace=${r}`) });
      expect(outcomes(forced.reports)).toEqual({ preflight: 'ok', backup: 'ok', verify: 'ok' });
      console.log(
        `forced re-run: ${forced.reports.map((r) => `${r.step} ${(r.durationMs / 1000).toFixed(1)} s`).join(', ')}`,
      );
      expect(forced.reports.find((r) => r.step === 'backup')!.actions[0].detail).toBe(
        'the backup is already prepared; DataMiner was not stopped',
      );
      expect(dataMinerState(host(BACKUP))).toMatchObject({ starts: 2, stops: 1 });
      expect(snapshotAgentFiles(host(PRIMARY))).toEqual(primaryBefore);
    } finally {
      storage.stop();
    }
  });

  it('checks each TLS database from both agents: its name, a handshake, its CA in the Local Machine Trusted Root store', async () => {
    const DB_NAME = 'cassandra.lab.example';
    const cassandra = await serveTls(STORAGE, { port: 9042, subjectAltNames: [DB_NAME] });
    const search = startInHost(STORAGE, ['python3', '-m', 'http.server', '9200']);
    await setLabDnsRecord(DB_NAME, [host(STORAGE).address]);
    try {
      const clusterDb = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<DataBases xmlns="http://www.skyline.be/config/db">',
        `  <DataBase active="true" local="true" type="CassandraCluster"><DBServer>${DB_NAME}</DBServer><DB>sldmadb</DB><UID>root</UID><PWD>${encryptedPassword('primary-secret', DB_PASSWORD)}</PWD><TLSEnabled>true</TLSEnabled></DataBase>`,
        `  <DataBase active="true" search="true" type="Elasticsearch" ID="es1"><DBServer>${host(STORAGE).address}:9200</DBServer></DataBase>`,
        '</DataBases>',
        '',
      ].join('\r\n');
      await installAgents({ dbXml: clusterDb });
      trustRootCertificate(host(PRIMARY), 'cassandra-ca', cassandra.certificatePem);
      const props = pairProps({
        storage: {
          type: 'dedicated-clustered',
          cassandraHosts: [host(STORAGE).address],
          searchHosts: [host(STORAGE).address],
          passwordEnv: 'DMS_LAB_DB_PASSWORD',
          tls: true,
        },
      });
      await expectRefused(
        props,
        /lab-b \(backup\): the certificate of cassandra\.lab\.example:9042 \(<DataBase type="CassandraCluster">, TLS\) is issued by "CN=cassandra\.lab\.example", whose CA \("CN=cassandra\.lab\.example"\) is not in Local Machine > Trusted Root Certification Authorities: import the CA certificate \(rootCa\.crt\) there, as on lab-a \(primary\)/,
      );
      trustRootCertificate(host(BACKUP), 'cassandra-ca', cassandra.certificatePem);
      const { run } = await deploy(props);
      if (run.code !== 0) console.log(run.output);
      expect(outcomes(run.reports)).toEqual({ preflight: 'ok', backup: 'changed', verify: 'ok' });
    } finally {
      cassandra.stop();
      search.stop();
      await removeLabDnsRecord(DB_NAME);
    }
  });

  it('prepares a hostname pair with a Cassandra per agent', async () => {
    await installAgents(
      { arr: true, cassandra: { releaseVersion: '3.11.4' } },
      { arr: true, cassandra: { releaseVersion: '3.11.4' } },
    );
    await setLabDnsRecord(HOSTNAME, [host(PRIMARY).address, host(BACKUP).address]);
    try {
      const { run } = await deploy(
        pairProps({
          virtualIps: undefined,
          sharedHostname: HOSTNAME,
          storage: { type: 'cassandra-per-agent' },
        }),
      );
      if (run.code !== 0) console.log(run.output);
      expect(run.code).toBe(0);
      expect(outcomes(run.reports)).toEqual({ preflight: 'ok', backup: 'changed', verify: 'ok' });
      expect(dataMinerState(host(BACKUP))).toMatchObject({ running: true, id: 7 });
    } finally {
      await removeLabDnsRecord(HOSTNAME);
    }
  });

  it('verifies Failover once switched on: both DMS.xml name it, exactly one agent holds the virtual IP', async () => {
    const failover = { type: 'VirtualIP' as const, virtualIps: [VIP] };
    await installAgents({ failover }, { id: 7, failover });
    addHostAddress(PRIMARY, VIP);
    try {
      const { run } = await deploy(pairProps({ expectFailoverEnabled: true }));
      if (run.code !== 0) console.log(run.output);
      expect(outcomes(run.reports)).toEqual({ preflight: 'ok', backup: 'ok', verify: 'ok', failover: 'ok' });
      expect(run.reports[0].actions[0].detail).toContain('Failover already configured for this pair');
      addHostAddress(BACKUP, VIP);
      const both = await deploy(pairProps({ expectFailoverEnabled: true }));
      expect(outcomes(both.run.reports)).toMatchObject({ failover: 'failed' });
      expect(both.run.reports.at(-1)!.reason).toContain(
        'both agents hold the virtual IPs 198.18.0.50: exactly one agent is online',
      );
    } finally {
      removeHostAddress(PRIMARY, VIP);
      removeHostAddress(BACKUP, VIP);
    }
  });

  it("reads the DMS's own view after the switch: GetDataMinerAgentsInfo through the agent's SSH connection", async () => {
    const failover = (partner: string) => ({
      type: 'VirtualIP' as const,
      virtualIps: [VIP],
      partner: { ip: host(partner).address },
    });
    const webServices = { users: { 'failover-check': WS_PASSWORD } };
    await installAgents(
      { failover: failover(BACKUP), webServices },
      { id: 7, failover: failover(PRIMARY), webServices },
    );
    const props = pairProps({
      expectFailoverEnabled: true,
      webServices: { login: 'failover-check', passwordEnv: 'DMS_LAB_WS_PASSWORD' },
    });
    addHostAddress(PRIMARY, VIP);
    try {
      const { dir, run } = await deploy(props);
      if (run.code !== 0) console.log(run.output);
      expect(outcomes(run.reports)).toEqual({ preflight: 'ok', backup: 'ok', verify: 'ok', failover: 'ok' });
      expect(run.reports.at(-1)!.actions[0].detail).toContain(
        'GetDataMinerAgentsInfo (read on lab-a): one agent Running, both IsFailOver',
      );
      expect(run.output).not.toContain(WS_PASSWORD);
      expect(fs.readFileSync(path.join(dir, 'terraform.tfstate'), 'utf8')).not.toContain(WS_PASSWORD);

      const wrong = await deploy(
        pairProps({
          expectFailoverEnabled: true,
          webServices: { login: 'someone-else', passwordEnv: 'DMS_LAB_WS_PASSWORD' },
        }),
      );
      expect(outcomes(wrong.run.reports)).toMatchObject({ failover: 'failed' });
      expect(wrong.run.reports.at(-1)!.reason).toContain(
        'GetDataMinerAgentsInfo could not be read: lab-a: the Web Services answered ConnectApp with HTTP 500: Login failed: invalid username or password.',
      );
      expect(wrong.run.output).not.toContain(WS_PASSWORD);
    } finally {
      removeHostAddress(PRIMARY, VIP);
    }
  });

  describe('SAML and DMS.xml redirects', () => {
    const IDP_METADATA = 'C:\\Skyline DataMiner\\ipMetadata.xml';
    const samlXml = (id: number) =>
      `<?xml version="1.0" encoding="utf-8"?>\r\n<DataMiner id="${id}">\r\n  <ExternalAuthentication type="SAML" ipMetadata="${IDP_METADATA}" spMetadata="https://dms.lab.example/sp.xml" timeout="300">\r\n    <AutomaticUserCreation enabled="true"/>\r\n  </ExternalAuthentication>\r\n</DataMiner>\r\n`;
    const dmsWithRedirect = (self: string, to: string) =>
      `<DMS xmlns="http://www.skyline.be/config/dms">\r\n  <Cluster name="lab"/>\r\n  <DMA ip="${self}" id="7"/>\r\n  <Redirects>\r\n    <Redirect to="${to}" via="https://${to}/APIGateway" user="redirect-user" pwd="lab-encrypted:x"/>\r\n  </Redirects>\r\n</DMS>\r\n`;

    it("gives the stopped backup the primary's SAML and metadata file and a redirect to the primary, then changes nothing", async () => {
      await installAgents({
        files: {
          'DataMiner.xml': samlXml(7),
          'ipMetadata.xml': '<EntityDescriptor entityID="lab-idp"/>\r\n',
          'DMS.xml': dmsWithRedirect(host(PRIMARY).address, host(BACKUP).address),
        },
      });
      const props = pairProps({ redirectPasswordEnv: 'DMS_LAB_REDIRECT_PASSWORD' });
      const { dir, run } = await deploy(props);
      if (run.code !== 0) console.log(run.output);
      expect(outcomes(run.reports)).toEqual({ preflight: 'ok', backup: 'changed', verify: 'ok' });
      expect(run.reports[1].actions[0].detail).toBe(
        "DataMiner ID 12 → 7; the primary's external authentication (SAML); the primary's SAML metadata C:\\Skyline DataMiner\\ipMetadata.xml; a redirect to the primary in DMS.xml; DataMiner restarted on the backup",
      );
      expect(readAgentFile(host(BACKUP), 'DataMiner.xml')).toContain(`ipMetadata="${IDP_METADATA}"`);
      expect(readAgentFile(host(BACKUP), 'ipMetadata.xml')).toBe(
        '<EntityDescriptor entityID="lab-idp"/>\r\n',
      );
      expect(readAgentFile(host(BACKUP), 'DMS.xml')).toContain(
        `<Redirect to="${host(PRIMARY).address}" via="https://${host(PRIMARY).address}/APIGateway" user="redirect-user" pwd="Redirect-Pw&amp;3"/>`,
      );
      expect(run.output).not.toContain(REDIRECT_PASSWORD);
      expect(fs.readFileSync(path.join(dir, 'terraform.tfstate'), 'utf8')).not.toContain(REDIRECT_PASSWORD);
      // Forced to run again, the backup step finds everything in place (the redirect included).
      const steps = await stateResources(dir);
      const forced = await apply(dir, { env, extraArgs: steps.map((r) => `-replace=${r}`) });
      expect(outcomes(forced.reports)).toEqual({ preflight: 'ok', backup: 'ok', verify: 'ok' });
      expect(forced.reports[1].actions[0].detail).toBe(
        'the backup is already prepared; DataMiner was not stopped',
      );
    });

    it("refuses when the primary's redirects lack the backup, quoting the line to add", async () => {
      await installAgents({ files: { 'DMS.xml': dmsWithRedirect(host(PRIMARY).address, '198.18.0.99') } });
      await expectRefused(
        pairProps({ redirectPasswordEnv: 'DMS_LAB_REDIRECT_PASSWORD' }),
        new RegExp(
          `Add <Redirect to="${host(BACKUP).address.replace(/\./g, '\\.')}" via="https://${host(BACKUP).address.replace(/\./g, '\\.')}/APIGateway" user="redirect-user" pwd="\\(that user’s password\\)"/> to the primary's <Redirects>`,
        ),
      );
    });
  });

  describe('refuses in preflight with nothing changed on either agent', () => {
    it('when the backup is not registered for Storage as a Service', async () => {
      await installAgents({}, { dbXml: undefined });
      await expectRefused(pairProps(), /lab-b \(backup\) is not registered for Storage as a Service/);
    });

    it('when Npcap is missing on an agent of a virtual IP pair', async () => {
      await installAgents({}, { npcap: false });
      await expectRefused(pairProps(), /lab-b has no Npcap \(or WinPcap\): none of .*wpcap\.dll exists/);
    });

    it('when the versions differ', async () => {
      await installAgents({}, { version: '10.3.0.0-12752-CU8' });
      await expectRefused(
        pairProps(),
        /the agents run different versions: lab-a \(primary\) 10\.3\.0\.0-12752-CU9, lab-b \(backup\) 10\.3\.0\.0-12752-CU8/,
      );
    });

    it('when the backup is already in a cluster', async () => {
      await installAgents(
        {},
        {
          cluster: {
            name: 'Prod',
            agents: [
              { ip: '198.18.0.12', id: 12 },
              { ip: '198.18.0.13', id: 30 },
            ],
          },
        },
      );
      await expectRefused(
        pairProps(),
        /lab-b \(backup\) is in a DMS cluster "Prod" with 198\.18\.0\.13 \(ID 30\)/,
      );
    });

    it('when something answers on the virtual IP', async () => {
      await installAgents();
      addHostAddress(STORAGE, VIP);
      try {
        await expectRefused(
          pairProps(),
          /198\.18\.0\.50 answers \(icmp\) seen from lab-a: a virtual IP must be unused/,
        );
      } finally {
        removeHostAddress(STORAGE, VIP);
      }
    });

    it('when the shared hostname resolves to one agent only', async () => {
      await installAgents({ arr: true }, { arr: true });
      await setLabDnsRecord(HOSTNAME, [host(PRIMARY).address]);
      try {
        await expectRefused(
          pairProps({ virtualIps: undefined, sharedHostname: HOSTNAME }),
          /dms-pair\.lab\.example resolves to 198\.18\.0\.11 from lab-a; it must resolve to exactly both agents' primary IPs \(198\.18\.0\.11, 198\.18\.0\.12\)/,
        );
      } finally {
        await removeLabDnsRecord(HOSTNAME);
      }
    });

    it('when the HTTPS certificate does not name the virtual IP', async () => {
      await installAgents(
        { https: { subjectAltNames: ['lab-a.lab.example'] } },
        { https: { subjectAltNames: ['lab-b.lab.example', VIP] } },
      );
      await expectRefused(
        pairProps(),
        /lab-a serves HTTPS with a certificate .* whose Subject Alternative Names \(lab-a\.lab\.example\) do not name 198\.18\.0\.50/,
      );
    });

    it('when port 7000 is blocked between the agents', async () => {
      await installAgents(
        { cassandra: { releaseVersion: '3.11.4' } },
        { cassandra: { releaseVersion: '3.11.4' } },
      );
      blockBetween(PRIMARY, BACKUP, 'tcp', 7000);
      await expectRefused(
        pairProps({ storage: { type: 'cassandra-per-agent' } }),
        /lab-a → lab-b TCP 7000 \(Cassandra internode\) is closed/,
      );
    });

    it('when the Cassandra releases differ', async () => {
      await installAgents(
        { cassandra: { releaseVersion: '3.11.10' } },
        { cassandra: { releaseVersion: '3.11.4' } },
      );
      await expectRefused(
        pairProps({ storage: { type: 'cassandra-per-agent' } }),
        /3\.11\.4.*3\.11\.10|3\.11\.10.*3\.11\.4/,
      );
    });
  });
});
