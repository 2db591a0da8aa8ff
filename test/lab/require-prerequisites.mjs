// Checks what the lab, the tests, the demo and the benchmark need on this machine, and installs the
// Debian packages that are missing. Plain Node without dependencies, so it runs before anything is
// compiled or installed. What lab hosts themselves have is not decided here: that is the lab
// image's package list (test/lab/image/packages.txt), built with debootstrap.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each command the lab runs on this machine, and the Debian package that provides it. */
const NEEDED = [
  ['debootstrap', 'debootstrap', 'builds the lab image'],
  ['ip', 'iproute2', 'creates the lab bridge and network namespaces'],
  ['nft', 'nftables', 'blocks ports between lab hosts'],
  ['dnsmasq', 'dnsmasq-base', 'is the lab DNS server'],
  ['ssh', 'openssh-client', 'reaches lab hosts from the tests'],
  ['ssh-keygen', 'openssh-client', 'makes the lab keys'],
  ['ssh-keyscan', 'openssh-client', 'checks lab host keys'],
  ['sftp', 'openssh-client', 'checks the lab SFTP server'],
  ['openssl', 'openssl', 'makes the lab TLS certificates'],
  ['nsenter', 'util-linux', 'enters lab hosts'],
  ['unshare', 'util-linux', 'starts lab hosts'],
  ['mount', 'mount', 'mounts lab host filesystems'],
];
const BENCH = [['ansible-playbook', 'ansible-core', 'is the benchmark baseline']];
/** For the tests that render the run summary's Mermaid diagrams as a person sees them (--browser). */
const BROWSER = [['chromium', 'chromium', 'renders the summary diagrams in the tests (headless)']];

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => isExecutable(join(dir, command)));
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

/** Installs Debian packages quietly; returns what went wrong, or undefined. */
function aptInstall(packages) {
  if (!onPath('apt-get')) return 'apt-get is not available';
  console.log(`Installing ${packages.join(' ')} with apt-get (needed by the lab)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', '--no-install-recommends', ...packages],
  ]) {
    const r = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (r.status !== 0) {
      const tail = `${r.stdout ?? ''}${r.stderr ?? r.error ?? ''}`.trim().split('\n').slice(-5).join('\n');
      return `apt-get ${args[0]} failed:\n${tail}`;
    }
  }
  return undefined;
}

if (process.getuid?.() !== 0) {
  fail(
    'The lab needs root: it creates network namespaces, mounts host filesystems and runs debootstrap. Run as root.',
  );
}

const wanted = [
  ...NEEDED,
  ...(process.argv.includes('--bench') ? BENCH : []),
  ...(process.argv.includes('--browser') ? BROWSER : []),
];
const missing = wanted.filter(([command]) => !onPath(command));
if (missing.length > 0) {
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  const problem = aptInstall(packages);
  const still = missing.filter(([command]) => !onPath(command));
  if (still.length > 0) {
    fail(
      `Could not install ${[...new Set(still.map(([, pkg]) => pkg))].join(', ')} (${still
        .map(([command, , why]) => `${command} ${why}`)
        .join('; ')}): install them with apt-get as root${problem ? `; ${problem}` : ''}`,
    );
  }
}

if (!onPath('terraform')) {
  fail(
    'Install the terraform CLI (>= 1.4) and put it on PATH: the end-to-end tests and the demo run terraform apply.',
  );
}

// PowerShell 7, for the tests that run the library's PowerShell for real: a .NET tool, installed
// once into the lab's folder (a few seconds), so nothing on this machine's PATH changes. The tests
// find it there (test/support/powershell.ts).
const POWERSHELL_VERSION = '7.6.9';
const POWERSHELL_TOOL_DIR = '/var/lib/cdktf-failover-lab/tools';
if (process.argv.includes('--powershell') && !isExecutable(join(POWERSHELL_TOOL_DIR, 'pwsh'))) {
  if (!onPath('dotnet'))
    fail(
      `Install the .NET SDK (the dotnet command): the tests run the library's PowerShell with PowerShell ${POWERSHELL_VERSION}, which installs as a .NET tool.`,
    );
  console.log(
    `Installing PowerShell ${POWERSHELL_VERSION} into ${POWERSHELL_TOOL_DIR} (dotnet tool install)...`,
  );
  const r = spawnSync(
    'dotnet',
    ['tool', 'install', 'PowerShell', '--version', POWERSHELL_VERSION, '--tool-path', POWERSHELL_TOOL_DIR],
    { encoding: 'utf8', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' } },
  );
  if (r.status !== 0)
    fail(
      `Could not install PowerShell ${POWERSHELL_VERSION} (dotnet tool install PowerShell --version ${POWERSHELL_VERSION} --tool-path ${POWERSHELL_TOOL_DIR}): ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' ')}`,
    );
}

// CDK Terrain (cdktn), for the tests of the library's cdktn flavour: its own folder beside the
// project, as its peer range (constructs <10.8) and its types cannot share the project's tree.
// cdktn-cli 0.24 needs Node.js 22.19+, which the cdktn new-project test runs: the registry's
// node-<platform>-<arch> package, so nothing on this machine's PATH changes. Installed from the
// registry this machine's npm configuration names, once.
const CDKTN_VERSION = '0.24.0';
const CDKTN_CONSTRUCTS = '10.7.2';
const CDKTN_NODE = `node-${process.platform}-${process.arch}@22.23.5`;
const CDKTN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.flavours', 'cdktn');
if (
  process.argv.includes('--cdktn') &&
  !['cdktn', 'constructs', CDKTN_NODE.split('@')[0]].every((name) =>
    existsSync(join(CDKTN_DIR, 'node_modules', name, 'package.json')),
  )
) {
  console.log(
    `Installing cdktn ${CDKTN_VERSION} with constructs ${CDKTN_CONSTRUCTS} into ${CDKTN_DIR} (npm)...`,
  );
  const r = spawnSync(
    'npm',
    [
      'install',
      '--prefix',
      CDKTN_DIR,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      `cdktn@${CDKTN_VERSION}`,
      `constructs@${CDKTN_CONSTRUCTS}`,
      CDKTN_NODE,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0)
    fail(
      `Could not install cdktn ${CDKTN_VERSION} (npm install --prefix ${CDKTN_DIR} cdktn@${CDKTN_VERSION} constructs@${CDKTN_CONSTRUCTS}): ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' ')}`,
    );
}

// The lab image (debootstrap, minutes when cold) is built here, with its progress on the terminal,
// so no test hook and no demo step ever waits for it. It needs the project's own dependencies.
const here = dirname(fileURLToPath(import.meta.url));
let tsNode;
try {
  tsNode = createRequire(import.meta.url).resolve('ts-node/dist/bin.js');
} catch {
  fail('The project dependencies are not installed: run `npm install` first.');
}
const image = spawnSync(process.execPath, [tsNode, '--transpile-only', join(here, 'cli.ts'), 'image'], {
  stdio: 'inherit',
});
if (image.status !== 0) process.exit(image.status ?? 1);
