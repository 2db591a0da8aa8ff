/**
 * The TLS databases: which servers DB.xml names, what the handshake primitive prints when real
 * PowerShell runs it against a real TLS server (the Local Machine root store is, on this machine's
 * .NET, the directory SSL_CERT_DIR names), and the problems read from it.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { bindPowerShellVariables } from '../../src/dialect/powershell';
import { TLS_CHECK_PS } from '../../src/dialect/windows-primitives';
import { runPowerShell } from '../../test/support/powershell';
import { parseTlsHandshake, tlsDatabaseProblems, tlsDatabaseServers, TlsServerView } from './database-tls';

const DB_XML = `<DataBases xmlns="http://www.skyline.be/config/db">
  <DataBase active="true" local="true" type="CassandraCluster"><DBServer>db1.lab, 10.3.1.101</DBServer><TLSEnabled>true</TLSEnabled></DataBase>
  <DataBase active="true" search="true" type="OpenSearch" ID="os1"><DBServer>https://search1.lab:9201, db1.lab</DBServer><TLSEnabled>TRUE</TLSEnabled></DataBase>
  <DataBase active="true" search="true" type="Elasticsearch" ID="es2"><DBServer>10.3.1.102:9200</DBServer></DataBase>
</DataBases>`;

describe('databases reached with TLS', () => {
  it('lists each TLS-enabled server once, with its port (9042 for CQL, TLS too; 9200 for search)', () => {
    expect(tlsDatabaseServers(DB_XML)).toEqual([
      { host: 'db1.lab', port: 9042, database: '<DataBase type="CassandraCluster">' },
      { host: '10.3.1.101', port: 9042, database: '<DataBase type="CassandraCluster">' },
      { host: 'search1.lab', port: 9201, database: '<DataBase ID="os1">' },
      { host: 'db1.lab', port: 9200, database: '<DataBase ID="os1">' },
    ]);
  });

  const server = { host: 'db1.lab', port: 9042, database: '<DataBase type="CassandraCluster">' };
  const trusted = { errors: 'None', issuer: 'CN=Lab CA', top: 'CN=Lab CA', machineRoot: true, status: '' };
  const view = (
    handshake: TlsServerView['handshake'],
    resolved?: TlsServerView['resolved'],
  ): TlsServerView => ({
    server,
    handshake,
    ...(resolved ? { resolved } : {}),
  });

  it('names the agent whose Local Machine root store lacks the CA, saying the other agent has it', () => {
    const problems = tlsDatabaseProblems([
      { label: 'dma-a', role: 'primary', views: [view(trusted, ['10.3.1.100'])] },
      {
        label: 'dma-b',
        role: 'backup',
        views: [
          view(
            { ...trusted, errors: 'RemoteCertificateChainErrors', top: 'CN=db1.lab', machineRoot: false },
            ['10.3.1.100'],
          ),
        ],
      },
    ]);
    expect(problems).toEqual([
      'dma-b (backup): the certificate of db1.lab:9042 (<DataBase type="CassandraCluster">, TLS) is issued by "CN=Lab CA", whose CA ("CN=db1.lab") is not in Local Machine > Trusted Root Certification Authorities: import the CA certificate (rootCa.crt) there, as on dma-a (primary)',
    ]);
  });

  it('reports a name that does not resolve and a handshake that fails, every one at once', () => {
    const problems = tlsDatabaseProblems([
      {
        label: 'dma-a',
        role: 'primary',
        views: [view({ failed: 'no TLS handshake: connection reset' }, ['10.3.1.100'])],
      },
      { label: 'dma-b', role: 'backup', views: [view(trusted, 'unresolved')] },
    ]);
    expect(problems).toEqual([
      'dma-a (primary) completes no TLS handshake with db1.lab:9042 (<DataBase type="CassandraCluster">, TLS): no TLS handshake: connection reset',
      'dma-b (backup) cannot resolve the database server name db1.lab: with TLS, DataMiner reaches db1.lab:9042 (<DataBase type="CassandraCluster">, TLS) by its name; add it to DNS or to the agent\'s hosts file',
    ]);
  });

  describe('TLS_CHECK_PS, run by PowerShell against a TLS server', () => {
    let dir: string;
    let port: number;
    let server: ReturnType<typeof spawn>;
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-tls-'));
      openssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-subj',
        '/CN=Lab Database CA',
        '-days',
        '2',
      );
      openssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'db.key',
        '-out',
        'db.csr',
        '-subj',
        '/CN=db1.lab',
      );
      fs.writeFileSync(path.join(dir, 'ext'), 'subjectAltName=DNS:db1.lab,IP:127.0.0.1\n');
      openssl(
        'x509',
        '-req',
        '-in',
        'db.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'db.crt',
        '-days',
        '2',
        '-extfile',
        'ext',
      );
      for (const store of ['with-ca', 'without-ca']) fs.mkdirSync(path.join(dir, store));
      fs.copyFileSync(path.join(dir, 'ca.crt'), path.join(dir, 'with-ca', 'ca.crt'));
      port = await new Promise<number>((resolve) => {
        const probe = net.createServer().listen(0, '127.0.0.1', () => {
          const { port: free } = probe.address() as net.AddressInfo;
          probe.close(() => resolve(free));
        });
      });
      server = spawn(
        'openssl',
        ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', 'db.crt', '-key', 'db.key', '-quiet'],
        {
          cwd: dir,
          stdio: ['pipe', 'ignore', 'ignore'],
        },
      );
      for (let i = 0; i < 50; i += 1) {
        const open = await new Promise<boolean>((resolve) =>
          net
            .connect(port, '127.0.0.1')
            .once('connect', function (this: net.Socket) {
              this.destroy();
              resolve(true);
            })
            .once('error', () => resolve(false)),
        );
        if (open) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    afterAll(() => {
      server?.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const check = (store: string, address = '127.0.0.1') =>
      runPowerShell(
        bindPowerShellVariables(TLS_CHECK_PS, {
          address,
          port: String(port),
          name: 'db1.lab',
          timeoutMs: '5000',
        }),
        '',
        '',
        { SSL_CERT_DIR: path.join(dir, store), SSL_CERT_FILE: path.join(dir, 'no-bundle.pem') },
      );

    it('finds the CA in the machine root store when it is there', () => {
      const run = check('with-ca');
      expect(run.code).toBe(0);
      expect(parseTlsHandshake(run.stdout)).toEqual({
        errors: 'None',
        issuer: 'CN=Lab Database CA',
        top: 'CN=Lab Database CA',
        machineRoot: true,
        status: '',
      });
    });

    it('says the chain stops short when the CA is not there', () => {
      const run = check('without-ca');
      expect(run.code).toBe(0);
      const seen = parseTlsHandshake(run.stdout);
      expect(seen).toMatchObject({ issuer: 'CN=Lab Database CA', machineRoot: false });
      expect(seen.errors).toContain('RemoteCertificateChainErrors');
    });

    it('exits 1 with why when nothing listens', () => {
      const run = runPowerShell(
        bindPowerShellVariables(TLS_CHECK_PS, {
          address: '127.0.0.1',
          port: '1',
          name: 'db1.lab',
          timeoutMs: '2000',
        }),
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^no TCP connection/);
    });
  });
});
