/**
 * "A new project in five minutes", followed literally as a new user would: the library packed
 * into a tarball, the README's commands run in an empty folder (the tarball stands in for the
 * registry's cdktf-failover), hosts.json written for a lab host, `npx cdktf deploy` twice.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hostPath, LabInventory, resetHost, startLab } from '../lab/lab';

jest.setTimeout(600_000);

const ROOT = path.join(__dirname, '..', '..');
let lab: LabInventory;

beforeAll(async () => {
  lab = await startLab();
  resetHost(lab.hosts[0].name);
});
afterAll(() => resetHost(lab.hosts[0].name));

/** The fenced blocks of one README section, with their language. */
function sectionBlocks(title: string): { lang: string; body: string }[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`## ${title}\n`);
  if (start < 0) throw new Error(`README has no section "${title}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] }));
}

function sh(script: string, cwd: string) {
  return spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, CHECKPOINT_DISABLE: '1', FORCE_COLOR: '0', CI: '1' },
  });
}

test('the README section, run as written, deploys to a lab host; a second deploy changes nothing', () => {
  const blocks = sectionBlocks('A new project in five minutes');
  const [setup, hostsExample, deploy] = blocks;
  expect([setup.lang, hostsExample.lang, deploy.lang]).toEqual(['sh', 'json', 'sh']);

  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-new-project-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop()!;
  // The one change: the package comes from the tarball, as it would from the registry.
  const install = setup.body.replace(
    /npm install cdktf-failover /,
    `npm install ${path.join(work, tarball)} `,
  );
  expect(install).not.toBe(setup.body);
  const setupRun = sh(install, work);
  expect(setupRun.stderr.match(/ERR!.*/g) ?? []).toEqual([]);
  expect(setupRun.status).toBe(0);
  const project = path.join(work, 'failover-pair');
  expect(fs.readdirSync(project).sort()).toEqual(
    expect.arrayContaining(['cdktf.json', 'main.ts', 'node_modules', 'package.json', 'tsconfig.json']),
  );

  // The edit the section asks for: hosts.json in the shape shown, with a lab host.
  const example = JSON.parse(hostsExample.body) as Record<string, string>[];
  const host = lab.hosts[0];
  const entry = {
    ...example[0],
    name: host.name,
    address: host.address,
    user: host.user,
    hostKeySha256: host.hostKeySha256,
    privateKeyFile: lab.clientKeyPath,
  };
  expect(Object.keys(entry).sort()).toEqual(Object.keys(example[0]).sort());
  fs.writeFileSync(path.join(project, 'hosts.json'), JSON.stringify([entry]));

  const first = sh(deploy.body, project);
  expect(first.status).toBe(0);
  expect(fs.readFileSync(hostPath(host.name, '/etc/cdktf-failover-hello'), 'utf8')).toBe(
    `managed by cdktf-failover on ${host.name}\n`,
  );
  const second = sh(deploy.body, project);
  expect(second.status).toBe(0);
  expect(`${second.stdout}${second.stderr}`).toMatch(/No changes/);

  // The bin the section names, from the installed package.
  const check = sh('npx cdktf-failover check cdktf.out/stacks/failover', project);
  expect(check.status).toBe(0);
  fs.rmSync(work, { recursive: true, force: true });
});
