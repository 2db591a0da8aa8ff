/**
 * The same work done by this library and by Ansible on the same lab hosts, in one run:
 * per host 20 actions (10 files, 5 INI keys, 5 lines in a line-based file), for 2, 10 and 30 hosts
 * (or the sizes given as arguments), one line per size.
 *
 *   first run:  every action changes something (hosts reset before each tool)
 *   check run:  this library: every step forced to run again (`terraform apply -replace=…`), each
 *               finds its host as wanted; Ansible: the playbook run a second time (all "ok")
 *
 * Ansible runs as its documentation recommends for speed: pipelining on, ControlPersist, no fact
 * gathering, as many forks as hosts. This library runs as a user runs it: `terraform apply` with
 * its defaults (10 steps at once); past 10 hosts its figures with `-parallelism=<hosts>` (every
 * host at once, as Ansible's forks) are printed too. Both tools connect with the same key and
 * pinned host keys. `fleet-breakdown.ts` shows where the time goes.
 * Prints figures; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostSteps, SshCredentials } from '../../index';
import type { Action } from '../../index';
import type { TerraformStack } from '../../src/cdktf';
import { labHostNames, LabHost, LabInventory, resetHost, startLab } from '../lab/lab';
import { apply, init, stateResources, synthStack } from '../support/terraform';

const ACTIONS_PER_HOST = 20;
const DIR = '/srv/bench';

export function actionsFor(host: LabHost): Action[] {
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

/** The bench's stack: one step per host, its actions, the lab's key and pinned host keys. */
export function addBenchSteps(
  stack: TerraformStack,
  lab: LabInventory,
  hosts: readonly LabHost[],
): HostSteps {
  return new HostSteps(stack, 'Bench', {
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
  });
}

export function ansibleWorkdir(lab: LabInventory, hosts: readonly LabHost[]): string {
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

export function runAnsible(dir: string): number {
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
  /** Ours again with -parallelism=<hosts>, where that differs from Terraform's default (10). */
  parallelismPerHost?: { first: number; check: number };
  ansible: { first: number; check: number };
}

/** Terraform's own default number of resources applied at once. */
const TERRAFORM_DEFAULT_PARALLELISM = 10;

/** First run on freshly reset hosts, then every step forced to run again: wall times in ms. */
async function runOurs(
  lab: LabInventory,
  hosts: readonly LabHost[],
  parallelism: number | undefined,
): Promise<{ first: number; check: number; roundTrips: number; commands: number }> {
  hosts.forEach((h) => resetHost(h.name));
  const stackDir = synthStack((stack) => addBenchSteps(stack, lab, hosts), {
    stackName: `bench-${hosts.length}`,
  });
  await init(stackDir);
  const flags = parallelism === undefined ? [] : [`-parallelism=${parallelism}`];
  const first = await timedAsync(() => apply(stackDir, { extraArgs: flags }));
  if (first.value.code !== 0 || first.value.reports.some((r) => r.outcome !== 'changed'))
    throw new Error(`first run did not change every host:\n${first.value.output}`);
  const resources = await stateResources(stackDir);
  const check = await timedAsync(() =>
    apply(stackDir, { extraArgs: [...resources.map((r) => `-replace=${r}`), ...flags] }),
  );
  if (check.value.code !== 0 || check.value.reports.some((r) => r.outcome !== 'ok'))
    throw new Error(`check run found changes:\n${check.value.output}`);
  fs.rmSync(path.dirname(path.dirname(stackDir)), { recursive: true, force: true });
  return {
    first: first.ms,
    check: check.ms,
    roundTrips: Math.max(...first.value.reports.map((r) => r.roundTrips)),
    commands: Math.max(...first.value.reports.map((r) => r.remoteCommands)),
  };
}

async function measure(lab: LabInventory, count: number): Promise<Row> {
  const hosts = lab.hosts.slice(0, count);
  // As a user runs it: terraform apply with its defaults. Past 10 hosts, also every host at once
  // (-parallelism=<hosts>, as Ansible's forks=<hosts>), to show what raising it does here.
  const ours = await runOurs(lab, hosts, undefined);
  const parallelismPerHost =
    count > TERRAFORM_DEFAULT_PARALLELISM ? await runOurs(lab, hosts, count) : undefined;

  hosts.forEach((h) => resetHost(h.name));
  const dir = ansibleWorkdir(lab, hosts);
  const ansibleFirst = timed(() => runAnsible(dir));
  const ansibleCheck = timed(() => runAnsible(dir));
  fs.rmSync(dir, { recursive: true, force: true });
  hosts.forEach((h) => resetHost(h.name));
  return {
    hosts: count,
    ours,
    ...(parallelismPerHost ? { parallelismPerHost } : {}),
    ansible: { first: ansibleFirst.ms, check: ansibleCheck.ms },
  };
}

const firstLine = (command: string, args: string[]): string =>
  (spawnSync(command, args, { encoding: 'utf8' }).stdout ?? '').split('\n')[0].trim();

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number);
  const counts = sizes.length > 0 ? sizes : [2, 10, 30];
  const lab = await startLab({ hostNames: labHostNames(Math.max(...counts)) });
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `\nThis library against Ansible (${firstLine('ansible-playbook', ['--version'])}), ${ACTIONS_PER_HOST} actions per host, same lab hosts`,
  );
  console.log(
    `  ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), load average ${load} at the start; ${firstLine('terraform', ['version'])} (default -parallelism=10); Node.js ${process.version}; Ansible forks=<hosts>, pipelining, ControlPersist`,
  );
  console.log(
    '  hosts   first run: ours   Ansible   ratio   check run: ours   Ansible   ratio   round trips / commands per step',
  );
  const s = (ms: number) => `${(ms / 1000).toFixed(2).padStart(7)} s`;
  const x = (a: number, b: number) => `${(a / b).toFixed(1).padStart(6)}x`;
  for (const count of counts) {
    const row = await measure(lab, count);
    console.log(
      `  ${String(row.hosts).padStart(5)}        ${s(row.ours.first)} ${s(row.ansible.first)} ${x(row.ansible.first, row.ours.first)}        ${s(row.ours.check)} ${s(row.ansible.check)} ${x(row.ansible.check, row.ours.check)}   ${row.ours.roundTrips} / ${row.ours.commands}`,
    );
    if (row.parallelismPerHost)
      console.log(
        `         with terraform apply -parallelism=${row.hosts}: first ${s(row.parallelismPerHost.first).trim()} (${x(row.ansible.first, row.parallelismPerHost.first).trim()}), check ${s(row.parallelismPerHost.check).trim()} (${x(row.ansible.check, row.parallelismPerHost.check).trim()})`,
      );
  }
}

if (require.main === module)
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
