/**
 * A managed host shared with others, on the lab with real terraform: a /tmp far too small for
 * what travels, a login whose own folder fills up mid-transfer, and an unprivileged local user
 * polling every new file. The step either gets every byte where it belongs, or runs nothing and
 * says why; another user never opens a private file while it is written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostSteps, HostStepProps } from '../../index';
import { execInHost, hostPath, LabHost, LabInventory, resetHost, startInHost, startLab } from '../lab/lab';
import { labHostProps } from '../support/lab-hosts';
import { apply, init, synthStack } from '../support/terraform';

jest.setTimeout(240_000);

let lab: LabInventory;
let a: LabHost;

beforeAll(async () => {
  lab = await startLab();
  a = lab.hosts[0];
});
beforeEach(() => resetHost(a.name));
afterAll(() => resetHost(a.name));

const inHost = (...argv: string[]) => {
  const r = execInHost(a.name, argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} on ${a.name}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
};

async function deploy(steps: (host: ReturnType<typeof labHostProps>) => HostStepProps[]) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-shared-host-'));
  const dir = synthStack((s) => new HostSteps(s, 'Steps', { steps: steps(labHostProps(lab, a)) }), {
    outdir,
  });
  await init(dir);
  return apply(dir);
}

/** 100 KiB of text no shorter input could be mistaken for: each line numbered. */
const BIG = Array.from({ length: 2048 }, (_, i) => `line ${String(i).padStart(5, '0')} ${'x'.repeat(37)}`)
  .join('\n')
  .concat('\n');

describe('a small /tmp', () => {
  it('a 100 KiB file arrives whole on a host whose /tmp holds 16 KiB: nothing travels through /tmp', async () => {
    inHost('mount', '-t', 'tmpfs', '-o', 'size=16k,mode=1777', 'tmpfs', '/tmp');
    const run = await deploy((host) => [
      {
        id: 'big',
        description: 'a file larger than /tmp',
        host,
        actions: [{ kind: 'file', path: '/srv/big.conf', content: BIG }],
      },
    ]);
    expect(run.reports.map((r) => r.reason ?? r.outcome)).toEqual(['changed']);
    expect(run.code).toBe(0);
    expect(fs.readFileSync(hostPath(a.name, '/srv/big.conf'), 'utf8')).toBe(BIG);
    expect(inHost('df', '-k', '/tmp')).toContain('tmpfs');
  });

  it("a transfer that does not fit in the login's own folder runs nothing and says so", async () => {
    // The login's home, where its shell stages what it receives, has room for the shell's own
    // files but not for the 100 KiB that follow (the lab's logins are authorized in /etc/ssh).
    inHost('mount', '-t', 'tmpfs', '-o', 'size=32k,mode=0700', 'tmpfs', '/root');
    const run = await deploy((host) => [
      {
        id: 'big',
        description: 'a file larger than the staging space',
        host,
        actions: [
          { kind: 'file', path: '/srv/big.conf', content: BIG },
          { kind: 'command', description: 'after the file', run: { argv: ['touch', '/srv/ran'] } },
        ],
      },
    ]);
    expect(run.code).not.toBe(0);
    const failed = run.reports.find((r) => r.outcome === 'failed');
    expect(failed?.reason).toMatch(
      /^lab-a: the connection was lost during the step \(the remote shell ended: head: .*No space left on device\ncdktf-failover-agent: request \d+ announced \d+ command and \d+ input bytes, \d+ and \d+ arrived \(a cut connection, or no space left in \/root\/\.cdktf-failover-agent\.\w+\); nothing of it was run\)/,
    );
    expect(fs.existsSync(hostPath(a.name, '/srv/big.conf'))).toBe(false);
    expect(fs.existsSync(hostPath(a.name, '/srv/ran'))).toBe(false);
  });
});

describe('an unprivileged local user', () => {
  /** Prints every file of the folder nobody could open, as often as it can, until told to stop. */
  const POLLER = `cd /srv/private || exit 1
while [ ! -e /srv/stop-polling ]; do
  for f in .* *; do
    [ -f "$f" ] || continue
    if { true < "$f"; } 2>/dev/null; then printf '%s\\n' "$f" >> /tmp/opened-by-nobody; fi
  done
done`;

  it('polling every new file, never opens a 0600 file, its temporary file or its backup', async () => {
    inHost(
      'sh',
      '-c',
      'mkdir -m 0755 /srv/private && : > /tmp/opened-by-nobody && chmod 0666 /tmp/opened-by-nobody',
    );
    const poller = startInHost(a.name, [
      'setpriv',
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      'sh',
      '-c',
      POLLER,
    ]);
    try {
      // The poller works: a file anyone may read is seen within seconds.
      const control = hostPath(a.name, '/srv/private/control');
      const log = hostPath(a.name, '/tmp/opened-by-nobody');
      fs.writeFileSync(control, 'public\n', { mode: 0o644 });
      for (let i = 0; i < 200 && !fs.readFileSync(log, 'utf8').includes('control'); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(fs.readFileSync(log, 'utf8')).toContain('control');
      fs.rmSync(control);
      await new Promise((r) => setTimeout(r, 200));
      fs.truncateSync(log);
      const files = (content: string) =>
        Array.from({ length: 150 }, (_, i) => ({
          kind: 'file' as const,
          path: `/srv/private/key-${i}.pem`,
          content,
          mode: '0600',
        }));
      // Written new, then again over the first ones (their previous content goes to backups).
      for (const content of ['secret one\n', 'secret two\n']) {
        const run = await deploy((host) => [
          { id: 'keys', description: 'private keys', host, actions: files(content) },
        ]);
        expect(run.code).toBe(0);
      }
    } finally {
      fs.writeFileSync(hostPath(a.name, '/srv/stop-polling'), '');
      poller.stop();
    }
    const private_ = fs.readdirSync(hostPath(a.name, '/srv/private'));
    expect(private_.filter((n) => n.includes('.cdktf-failover-backup-'))).toHaveLength(150);
    expect(fs.readFileSync(hostPath(a.name, '/tmp/opened-by-nobody'), 'utf8')).toBe('');
    for (const name of private_)
      expect((fs.statSync(hostPath(a.name, `/srv/private/${name}`)).mode & 0o777).toString(8)).toBe('600');
  });
});
