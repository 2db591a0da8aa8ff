/**
 * The same work done by this library and by Ansible on the same lab hosts, in one run:
 * per host 20 actions (10 files, 5 INI keys, 5 lines in a line-based file), for 2 and 10 hosts.
 *
 *   first run:  every action changes something (hosts reset before each tool)
 *   check run:  this library: every step forced to run again (`terraform apply -replace=…`), each
 *               finds its host as wanted; Ansible: the playbook run a second time (all "ok")
 *
 * Ansible runs as its documentation recommends for speed: pipelining on, ControlPersist, no fact
 * gathering, as many forks as hosts. Both tools connect with the same key and pinned host keys.
 * Prints figures; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostSteps, SshCredentials } from '../../index';
import type { Action } from '../../index';
import { LabHost, LabInventory, resetHost, startLab } from '../lab/lab';
import { apply, init, stateResources, synthStack } from '../support/terraform';

const ACTIONS_PER_HOST = 20;
const DIR = '/srv/bench';

function actionsFor(host: LabHost): Action[] {
  const files = Array.from({ length: 10 }, (_, i): Action => ({
    kind: 'file',
    path: `${DIR}/file-${i}.conf`,
    content: `# ${host.name}\nvalue=${i}\n`,
    mode: '0644',
  }));
  const ini = Array.from({ length: 5 }, (_, i): Action => ({
    kind: 'config',
    format: 'ini',
    createIfMissing: true,
    path: `${DIR}/app.ini`,
    settings: [{ key: `main.key${i}`, value: `v${i}` }],
  }));
  const lines = Array.from({ length: 5 }, (_, i): Action => ({
    kind: 'line',
    path: `${DIR}/hosts`,
    line: `198.18.0.${100 + i} peer-${i}`,
    match: `\\speer-${i}$`,
  }));
  return [...files, ...ini, ...lines];
}

function playbook(): string {
  const tasks: string[] = [
    `    - ansible.builtin.file: { path: ${DIR}, state: directory, mode: '0755' }`,
    ...Array.from(
      { length: 10 },
      (_, i) =>
        `    - ansible.builtin.copy: { dest: ${DIR}/file-${i}.conf, mode: '0644', content: "# {{ inventory_hostname }}\\nvalue=${i}\\n" }`,
    ),
    // ini_file is not in ansible-core: a key under its section, as lineinfile does it.
    ...Array.from(
      { length: 5 },
      (_, i) =>
        `    - ansible.builtin.lineinfile: { path: ${DIR}/app.ini, create: true, regexp: '^key${i}\\s*=', line: 'key${i} = v${i}', insertafter: '^\\[main\\]' }`,
    ),
    ...Array.from(
      { length: 5 },
      (_, i) =>
        `    - ansible.builtin.lineinfile: { path: ${DIR}/hosts, create: true, regexp: '\\speer-${i}$', line: '198.18.0.${100 + i} peer-${i}' }`,
    ),
  ];
  return ['- hosts: all', '  gather_facts: false', '  tasks:', ...tasks, ''].join('\n');
}

function ansibleWorkdir(lab: LabInventory, hosts: readonly LabHost[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ansible-'));
  fs.writeFileSync(
    path.join(dir, 'inventory.ini'),
    `[all]\n${hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_user=root`).join('\n')}\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'ansible.cfg'),
    [
      '[defaults]',
      'inventory = inventory.ini',
      `private_key_file = ${lab.clientKeyPath}`,
      `forks = ${hosts.length}`,
      'host_key_checking = True',
      'interpreter_python = /usr/bin/python3',
      'stdout_callback = default',
      'retry_files_enabled = False',
      '[ssh_connection]',
      'pipelining = True',
      `ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes`,
      `control_path_dir = ${dir}/cp`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'playbook.yml'), playbook());
  return dir;
}

function timed<T>(fn: () => T): { ms: number; value: T } {
  const started = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

function runAnsible(dir: string): number {
  const r = spawnSync('ansible-playbook', ['playbook.yml'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ANSIBLE_CONFIG: path.join(dir, 'ansible.cfg') },
  });
  if (r.status !== 0) throw new Error(`ansible-playbook failed:\n${r.stdout}${r.stderr}`);
  return r.status;
}

interface Row {
  hosts: number;
  ours: { first: number; check: number; roundTrips: number; commands: number };
  ansible: { first: number; check: number };
}

async function measure(lab: LabInventory, count: number): Promise<Row> {
  const hosts = lab.hosts.slice(0, count);
  hosts.forEach((h) => resetHost(h.name));
  const stackDir = synthStack(
    (stack) =>
      new HostSteps(stack, 'Bench', {
        steps: hosts.map((h) => ({
          id: `bench-${h.name}`,
          description: `${ACTIONS_PER_HOST} actions on ${h.name}`,
          host: {
            name: h.name,
            address: h.address,
            user: h.user,
            hostKeySha256: h.hostKeySha256,
            credentials: SshCredentials.privateKeyFile(lab.clientKeyPath),
          },
          actions: actionsFor(h),
        })),
      }),
    { stackName: `bench-${count}` },
  );
  await init(stackDir);
  const first = await timedAsync(() => apply(stackDir));
  if (first.value.code !== 0 || first.value.reports.some((r) => r.outcome !== 'changed'))
    throw new Error(`first run did not change every host:\n${first.value.output}`);
  const resources = await stateResources(stackDir);
  const check = await timedAsync(() => apply(stackDir, { extraArgs: resources.map((r) => `-replace=${r}`) }));
  if (check.value.code !== 0 || check.value.reports.some((r) => r.outcome !== 'ok'))
    throw new Error(`check run found changes:\n${check.value.output}`);
  const roundTrips = Math.max(...first.value.reports.map((r) => r.roundTrips));
  const commands = Math.max(...first.value.reports.map((r) => r.remoteCommands));
  fs.rmSync(path.dirname(path.dirname(stackDir)), { recursive: true, force: true });

  hosts.forEach((h) => resetHost(h.name));
  const dir = ansibleWorkdir(lab, hosts);
  const ansibleFirst = timed(() => runAnsible(dir));
  const ansibleCheck = timed(() => runAnsible(dir));
  fs.rmSync(dir, { recursive: true, force: true });
  hosts.forEach((h) => resetHost(h.name));
  return {
    hosts: count,
    ours: { first: first.ms, check: check.ms, roundTrips, commands },
    ansible: { first: ansibleFirst.ms, check: ansibleCheck.ms },
  };
}

async function main(): Promise<void> {
  const names = Array.from({ length: 10 }, (_, i) => `lab-${String.fromCharCode(97 + i)}`);
  const lab = await startLab({ hostNames: names });
  const version = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  console.log(
    `\nThis library against Ansible (${version}), ${ACTIONS_PER_HOST} actions per host, same lab hosts`,
  );
  console.log('  hosts  run     cdktf-failover   Ansible   ratio   round trips / commands per step');
  for (const count of [2, 10]) {
    const row = await measure(lab, count);
    const line = (run: 'first' | 'check', extra: string) =>
      console.log(
        `  ${String(row.hosts).padStart(5)}  ${run.padEnd(6)} ${(row.ours[run] / 1000).toFixed(2).padStart(10)} s ${(row.ansible[run] / 1000).toFixed(2).padStart(7)} s ${(row.ansible[run] / row.ours[run]).toFixed(1).padStart(6)}x   ${extra}`,
      );
    line('first', `${row.ours.roundTrips} / ${row.ours.commands}`);
    line('check', '');
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
