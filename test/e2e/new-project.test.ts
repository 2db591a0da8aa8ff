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

function sh(script: string, cwd: string, pathFirst?: string) {
  return spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: {
      ...process.env,
      ...(pathFirst ? { PATH: `${pathFirst}:${process.env.PATH ?? ''}` } : {}),
      CHECKPOINT_DISABLE: '1',
      FORCE_COLOR: '0',
      CI: '1',
    },
  });
}

/** cdktn-cli 0.24 needs Node.js 22.19+: the one the prerequisite step put beside cdktn. */
function cdktnNodeBin(): string {
  const bin = path.join(
    ROOT,
    '.flavours',
    'cdktn',
    'node_modules',
    `node-${process.platform}-${process.arch}`,
    'bin',
  );
  if (!fs.existsSync(path.join(bin, 'node')))
    throw new Error(
      `Node.js 22 for cdktn-cli is not installed in ${bin}: run \`node test/lab/require-prerequisites.mjs --cdktn\` (npm test runs it first)`,
    );
  return bin;
}

/** The two flavours, each followed as its README section says. */
const FLAVOURS = [
  {
    section: 'A new project in five minutes',
    packageName: 'cdktf-failover',
    packFrom: ROOT,
    absent: [] as string[],
    nodeBin: (): string | undefined => undefined,
  },
  {
    section: 'CDK Terrain (cdktn)',
    packageName: 'cdktn-failover',
    packFrom: path.join(ROOT, 'dist-cdktn'),
    // No cdktf anywhere in a cdktn user's tree.
    absent: ['cdktf', '@cdktf', 'cdktf-cli'],
    nodeBin: cdktnNodeBin,
  },
];

let built = false;

describe.each(FLAVOURS)('$packageName: the README section "$section"', (flavour) => {
  test('run as written, deploys to a lab host; a second deploy changes nothing', () => {
    const blocks = sectionBlocks(flavour.section);
    const setup = blocks[0];
    const deploy = blocks[blocks.length - 1];
    // hosts.json is shown once, in the first section.
    const hostsExample = sectionBlocks(FLAVOURS[0].section)[1];
    expect([setup.lang, hostsExample.lang, deploy.lang]).toEqual(['sh', 'json', 'sh']);

    const nodeBin = flavour.nodeBin();
    if (!built) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    built = true;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-new-project-'));
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], {
      cwd: flavour.packFrom,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop()!;
    // The one change: the package comes from the tarball, as it would from the registry.
    const install = setup.body.replace(
      new RegExp(`npm install ${flavour.packageName} `),
      `npm install ${path.join(work, tarball)} `,
    );
    expect(install).not.toBe(setup.body);
    const setupRun = sh(install, work, nodeBin);
    expect(setupRun.stderr.match(/ERR!.*/g) ?? []).toEqual([]);
    expect(setupRun.status).toBe(0);
    const project = path.join(work, 'failover-pair');
    expect(fs.readdirSync(project).sort()).toEqual(
      expect.arrayContaining(['cdktf.json', 'main.ts', 'node_modules', 'package.json', 'tsconfig.json']),
    );
    for (const name of flavour.absent)
      expect({ [name]: fs.existsSync(path.join(project, 'node_modules', name)) }).toEqual({ [name]: false });

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

    const first = sh(deploy.body, project, nodeBin);
    if (first.status !== 0) console.log(first.stdout, first.stderr);
    expect(first.status).toBe(0);
    expect(fs.readFileSync(hostPath(host.name, `/etc/${flavour.packageName}-hello`), 'utf8')).toBe(
      `managed by ${flavour.packageName} on ${host.name}\n`,
    );
    const second = sh(deploy.body, project, nodeBin);
    expect(second.status).toBe(0);
    expect(`${second.stdout}${second.stderr}`).toMatch(/No changes/);

    // The bin the package names.
    const check = sh(`npx ${flavour.packageName} check cdktf.out/stacks/failover`, project, nodeBin);
    expect(check.status).toBe(0);
    fs.rmSync(work, { recursive: true, force: true });
  });
});
