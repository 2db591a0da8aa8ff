/**
 * The HTTPS step on a real shell (the runner's agent run locally) and a real TLS endpoint: the
 * user's commands run again on the next deploy whenever the last run did not end verified (a
 * command failed, or HTTPS did not answer after it), although the files then already match; a
 * host with commands and no files runs them once; nothing runs twice once verified.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { ActionRegistry } from '../../src/runner/action-registry';
import { executeStep, StepReport } from '../../src/runner/execute-step';
import { RemoteHost } from '../../src/runner/remote-host';
import { closeLocalExecutors, LOCAL_HOST, LocalExecutor } from '../../test/support/local-executor';
import { HTTPS_KIND, HttpsAction, HttpsHostWork } from './actions';
import { FAULT_TOLERANT_AGGREGATOR_HANDLERS } from './handlers';
import { httpsMarker, httpsRecord } from './https-rules';

const registry = new ActionRegistry().add('FaultTolerantAggregator', FAULT_TOLERANT_AGGREGATOR_HANDLERS);
const NAME = 'da1.lab.example';

let dir: string;
let server: tls.Server;
/** The endpoint's certificate (self-signed: its own CA), and another CA's. */
let serverCertPem: string;
let otherCaPem: string;
let serverPort: number;
/** Whether the endpoint answers: off, it is a service the commands did not bring up. */
let answering = true;

beforeAll(async () => {
  const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-https-cert-'));
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', `${certDir}/key.pem`, '-out', `${certDir}/cert.pem`, '-days', '2'],
      ...['-subj', `/CN=${NAME}`, '-addext', `subjectAltName=DNS:${NAME}`],
    ],
    { stdio: 'ignore' },
  );
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', `${certDir}/other-key.pem`, '-out', `${certDir}/other.pem`, '-days', '2'],
      ...['-subj', '/CN=Another CA'],
    ],
    { stdio: 'ignore' },
  );
  serverCertPem = fs.readFileSync(`${certDir}/cert.pem`, 'utf8');
  otherCaPem = fs.readFileSync(`${certDir}/other.pem`, 'utf8');
  server = tls.createServer({
    key: fs.readFileSync(`${certDir}/key.pem`),
    cert: fs.readFileSync(`${certDir}/cert.pem`),
  });
  server.on('secureConnection', (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverPort = (server.address() as net.AddressInfo).port;
  fs.rmSync(certDir, { recursive: true, force: true });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-https-'));
  answering = true;
});
afterEach(async () => {
  await closeLocalExecutors();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The local shell, whose SSH tunnels reach the test's TLS endpoint while it answers. */
class TunnelingExecutor extends LocalExecutor {
  async forward(): Promise<Duplex> {
    if (!answering) throw new Error('connect ECONNREFUSED');
    const socket = net.connect(serverPort, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  }
}

/** A deploy's connection to the host, as the runner makes one per step. */
function connect(): RemoteHost {
  return new RemoteHost(LOCAL_HOST, new TunnelingExecutor(), path.join(dir, 'state'));
}

/** A command that fails until the operator fixes what it needs (the file `fixed`), and counts its successful runs. */
const reload = (): string[] => ['sh', '-c', `test -e ${dir}/fixed && echo reloaded >> ${dir}/reloads`];
const reloads = () => (fs.existsSync(`${dir}/reloads`) ? fs.readFileSync(`${dir}/reloads`, 'utf8') : '');
const markerFile = (commands: HttpsHostWork['commands']) =>
  path.join(dir, 'state', 'pending', httpsMarker(commands));

/** The host's work as the plan gives it, its record kept in the test's folder. */
function work(
  files: 'with a file' | 'no file',
  commands: HttpsHostWork['commands'] = [reload()],
): HttpsHostWork {
  const local = path.join(dir, 'local-cert.pem');
  fs.writeFileSync(local, 'certificate\n');
  const record = httpsRecord(commands);
  return {
    host: LOCAL_HOST,
    files:
      files === 'with a file'
        ? [{ localFile: local, path: path.join(dir, 'host', 'cert.pem'), mode: '0640' }]
        : [],
    commands,
    record: { ...record, path: path.join(dir, 'records', path.basename(record.path)) },
  };
}

/** One run of the HTTPS step, as terraform's apply (or a check) starts it. */
function deploy(
  w: HttpsHostWork,
  options: { checkOnly?: boolean; caBundleFile?: string } = {},
): Promise<StepReport> {
  const action: HttpsAction = {
    kind: HTTPS_KIND,
    description: 'HTTPS',
    hosts: [w],
    endpoints: [{ address: '127.0.0.1', port: 8443, name: NAME }],
    ...(options.caBundleFile !== undefined ? { caBundleFile: options.caBundleFile } : {}),
  };
  return executeStep(
    {
      specVersion: 1,
      id: 'https',
      description: 'HTTPS',
      host: LOCAL_HOST,
      actions: [action],
      when: 'create',
    },
    { connect: async () => connect(), handlers: registry, checkOnly: options.checkOnly ?? false },
  );
}

describe('HTTPS files and their commands', () => {
  it('a command that failed after its files were written runs on the next deploy, then not again', async () => {
    const w = work('with a file');
    const failed = await deploy(w);
    expect(failed.outcome).toBe('failed');
    expect(failed.reason).toMatch(/HTTPS command sh -c test -e .*fixed/);
    expect(fs.readFileSync(w.files[0].path, 'utf8')).toBe('certificate\n');
    expect(reloads()).toBe('');
    expect(fs.existsSync(markerFile(w.commands))).toBe(true);

    fs.writeFileSync(`${dir}/fixed`, '');
    // A check sees the commands still due, and does nothing.
    const check = await deploy(w, { checkOnly: true });
    expect(check.actions[0].detail).toMatch(/^0 file\(s\) to write, commands due on 1 host\(s\);/);
    expect(reloads()).toBe('');

    expect((await deploy(w)).outcome).toBe('changed');
    expect(reloads()).toBe('reloaded\n');
    expect(fs.existsSync(markerFile(w.commands))).toBe(false);

    expect((await deploy(w)).outcome).toBe('ok');
    expect(reloads()).toBe('reloaded\n');
  });

  it('commands that succeeded but left HTTPS not answering run again on the next deploy: the marker waits for the verification', async () => {
    fs.writeFileSync(`${dir}/fixed`, '');
    const w = work('with a file');
    answering = false;
    const unverified = await deploy(w);
    expect(unverified.outcome).toBe('failed');
    expect(unverified.reason).toContain('HTTPS is not in place');
    expect(unverified.reason).toContain('The HTTPS commands on local will run again on the next deploy.');
    expect(reloads()).toBe('reloaded\n');
    expect(fs.existsSync(markerFile(w.commands))).toBe(true);

    answering = true;
    const verified = await deploy(w);
    expect(verified.outcome).toBe('changed');
    expect(verified.actions[0].detail).toBe(
      '0 file(s) written, commands run on 1 host(s); 1 endpoint(s) answer TLS with a certificate naming them; their chains were not checked (no https.caBundleFile)',
    );
    expect(reloads()).toBe('reloaded\nreloaded\n');
    expect(fs.existsSync(markerFile(w.commands))).toBe(false);

    expect((await deploy(w)).outcome).toBe('ok');
    expect(reloads()).toBe('reloaded\nreloaded\n');
  });

  it('a host with commands and no files runs them once, and runs new commands once', async () => {
    fs.writeFileSync(`${dir}/fixed`, '');
    const w = work('no file');
    const first = await deploy(w);
    expect(first.outcome).toBe('changed');
    expect(reloads()).toBe('reloaded\n');
    expect(fs.readFileSync(w.record!.path, 'utf8')).toBe(`${JSON.stringify(w.commands)}\n`);
    expect(fs.existsSync(markerFile(w.commands))).toBe(false);

    expect((await deploy(w)).outcome).toBe('ok');
    expect(reloads()).toBe('reloaded\n');

    // Other commands are due once, although no file changed.
    const other = work('no file', [...w.commands, ['sh', '-c', `echo second >> ${dir}/reloads`]]);
    expect((await deploy(other)).outcome).toBe('changed');
    expect(reloads()).toBe('reloaded\nreloaded\nsecond\n');
    expect((await deploy(other)).outcome).toBe('ok');
  });

  it('a host with commands and no files retries them after a failure', async () => {
    const w = work('no file');
    expect((await deploy(w)).outcome).toBe('failed');
    expect(reloads()).toBe('');
    fs.writeFileSync(`${dir}/fixed`, '');
    expect((await deploy(w)).outcome).toBe('changed');
    expect(reloads()).toBe('reloaded\n');
  });

  it('files that match and no marker: nothing written, nothing run', async () => {
    fs.writeFileSync(`${dir}/fixed`, '');
    const w = work('with a file');
    expect((await deploy(w)).actions[0].detail).toMatch(/^1 file\(s\) written, commands run on 1 host\(s\);/);
    const again = await deploy(w);
    expect(again.outcome).toBe('ok');
    expect(again.actions[0].detail).toMatch(/^0 file\(s\) written; 1 endpoint/);
    expect(reloads()).toBe('reloaded\n');
  });
});

describe('the chain, with a CA bundle', () => {
  it('validates every endpoint against the bundle; another CA, or a bundle that cannot be read, is a problem', async () => {
    fs.writeFileSync(`${dir}/fixed`, '');
    const w = work('no file', []);
    fs.writeFileSync(path.join(dir, 'ca.pem'), serverCertPem);
    const trusted = await deploy(w, { caBundleFile: path.join(dir, 'ca.pem') });
    expect(trusted.outcome).toBe('ok');
    expect(trusted.actions[0].detail).toBe(
      `0 file(s) written; 1 endpoint(s) answer TLS with a certificate naming them, chains validated against ${path.join(dir, 'ca.pem')}`,
    );

    fs.writeFileSync(path.join(dir, 'other.pem'), otherCaPem);
    const untrusted = await deploy(w, { caBundleFile: path.join(dir, 'other.pem') });
    expect(untrusted.outcome).toBe('failed');
    expect(untrusted.reason).toMatch(
      new RegExp(
        `127\\.0\\.0\\.1:8443 presents a certificate \\(CN=${NAME.replace(/\./g, '\\.')}\\) whose chain does not validate against https\\.caBundleFile \\(.+\\)`,
      ),
    );

    const missing = await deploy(w, { caBundleFile: path.join(dir, 'none.pem') });
    expect(missing.outcome).toBe('failed');
    expect(missing.reason).toContain(
      `https.caBundleFile ${path.join(dir, 'none.pem')} cannot be read on this machine (where terraform runs)`,
    );
  });
});
