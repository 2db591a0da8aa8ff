// Checks what the lab and the end-to-end tests need before they start, and installs sshd when it can.
// Plain Node without dependencies, so it runs before anything is compiled or installed.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

/** Installs Debian packages quietly; apt's output is shown only if it fails. */
function aptInstall(packages, reason) {
  console.log(`Installing ${packages.join(' ')} with apt-get (${reason})...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', ...packages]]) {
    const r = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`apt-get ${args.join(' ')} failed:\n${r.stdout ?? ''}${r.stderr ?? r.error ?? ''}`);
      return;
    }
  }
}

if (process.getuid?.() !== 0) {
  fail('The lab needs root: it starts sshd processes and bind-mounts directories. Run as root.');
}

if (!existsSync('/usr/sbin/sshd') && onPath('apt-get'))
  aptInstall(['openssh-server'], '/usr/sbin/sshd is missing');
if (!existsSync('/usr/sbin/sshd')) fail('Install openssh-server (Debian: apt-get install openssh-server)');

const clientTools = ['ssh', 'ssh-keygen', 'ssh-keyscan'];
if (!clientTools.every(onPath) && onPath('apt-get'))
  aptInstall(['openssh-client'], `one of ${clientTools.join(', ')} is missing`);
if (!clientTools.every(onPath)) fail('Install openssh-client (Debian: apt-get install openssh-client)');

for (const tool of ['mount', 'umount', 'unshare', 'flock']) {
  if (!onPath(tool)) fail(`Install ${tool} (Debian: apt-get install util-linux mount)`);
}

if (!onPath('terraform')) {
  fail(
    'Install the terraform CLI (>= 1.4) and put it on PATH: the end-to-end tests and the demo run terraform apply.',
  );
}
