#!/usr/bin/node
/*
 * The NFS surface of a lab host, one script installed under several command names:
 *
 *   exportfs   (server) reads /etc/exports and /etc/exports.d/*.exports, keeps the applied export
 *              table in /var/lib/nfs/etab (as nfs-utils does) and prints it as `exportfs -v` does.
 *   systemctl  (server) `restart nfs-server` takes /etc/nfs.conf's [nfsd] versions into effect.
 *   mount      (client) `mount -t nfs4 -o OPTS SERVER:/PATH TARGET`: the server must export PATH to
 *              this host (the etab it published); the published export directory is then
 *              bind-mounted at TARGET, so files and locks are really shared between the clients, and
 *              the NFS mount is recorded with the options the kernel would list.
 *   umount     (client) unmounts an emulated NFS mount and forgets it.
 *   findmnt    (client) answers for emulated NFS mounts as for real ones (fstype nfs4, kernel options).
 *
 * Anything that is not about NFS goes to the real command in /usr/bin.
 *
 * The network side: a server publishes what a real NFS server would offer, and nothing else, on the
 * lab's NFS fabric, /lab/nfs/<server address>/ (one mount that every host shares): its applied
 * export table (etab), the versions nfsd serves, and each exported directory bind-mounted under
 * root/<export path>. A client finds a server by name or address (the host's resolver, so DNS and
 * /etc/hosts both work) and mounts from that publication. No host ever reads another host's files.
 */
/* global require, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a plain script run by node inside the lab hosts */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ETAB = '/var/lib/nfs/etab';
const STATE_DIR = '/var/lib/lab-nfs';
const MOUNTS = `${STATE_DIR}/mounts.json`;
const NFSD_VERSIONS = `${STATE_DIR}/nfsd-versions`;
const PUBLISHED = `${STATE_DIR}/published.json`;
const FABRIC = '/lab/nfs';
const ALL_VERSIONS = '+3 +4 +4.1 +4.2';

const command = path.basename(process.argv[1]);
const args = process.argv.slice(2);

function fail(message, code) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function passThrough(realCommand) {
  const real = [`/usr/bin/${realCommand}`, `/usr/sbin/${realCommand}`, `/bin/${realCommand}`].find((p) =>
    fs.existsSync(p),
  );
  if (!real) fail(`${realCommand}: command not found`, 127);
  const r = spawnSync(real, args, { stdio: 'inherit' });
  process.exit(r.status === null ? 1 : r.status);
}

function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function writeAtomic(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

// ---------------------------------------------------------------- export options (exports(5))

const DEFAULT_FLAGS = () => ({
  ro: true,
  async: false,
  wdelay: true,
  nohide: false,
  crossmnt: false,
  noSubtreeCheck: true,
  insecure: false,
  rootSquash: true,
  allSquash: false,
  insecureLocks: false,
  fsid: undefined,
  anonuid: 65534,
  anongid: 65534,
  sec: ['sys'],
});

/** Applies one option to the flags; returns an error message for an unknown keyword. */
function applyOption(flags, option) {
  const [name, value] = option.includes('=')
    ? [option.slice(0, option.indexOf('=')), option.slice(option.indexOf('=') + 1)]
    : [option, undefined];
  const set = {
    ro: () => (flags.ro = true),
    rw: () => (flags.ro = false),
    sync: () => (flags.async = false),
    async: () => (flags.async = true),
    wdelay: () => (flags.wdelay = true),
    no_wdelay: () => (flags.wdelay = false),
    hide: () => (flags.nohide = false),
    nohide: () => (flags.nohide = true),
    crossmnt: () => (flags.crossmnt = true),
    nocrossmnt: () => (flags.crossmnt = false),
    subtree_check: () => (flags.noSubtreeCheck = false),
    no_subtree_check: () => (flags.noSubtreeCheck = true),
    secure: () => (flags.insecure = false),
    insecure: () => (flags.insecure = true),
    root_squash: () => (flags.rootSquash = true),
    no_root_squash: () => (flags.rootSquash = false),
    all_squash: () => (flags.allSquash = true),
    no_all_squash: () => (flags.allSquash = false),
    secure_locks: () => (flags.insecureLocks = false),
    auth_nlm: () => (flags.insecureLocks = false),
    insecure_locks: () => (flags.insecureLocks = true),
    no_auth_nlm: () => (flags.insecureLocks = true),
    acl: () => {},
    no_acl: () => {},
    pnfs: () => {},
    no_pnfs: () => {},
    nordirplus: () => {},
    security_label: () => {},
  };
  if (value === undefined && set[name]) return (set[name](), undefined);
  if (name === 'fsid' && value) return ((flags.fsid = value), undefined);
  if (name === 'anonuid' && /^\d+$/.test(value ?? '')) return ((flags.anonuid = Number(value)), undefined);
  if (name === 'anongid' && /^\d+$/.test(value ?? '')) return ((flags.anongid = Number(value)), undefined);
  if (name === 'sec' && value) return ((flags.sec = value.split(':')), undefined);
  return `unknown keyword "${option}"`;
}

/** `exportfs -v`: the modern nfs-utils order, security flavour flags last. */
function verboseOptions(f) {
  const o = [f.async ? 'async' : 'sync', f.wdelay ? 'wdelay' : 'no_wdelay', f.nohide ? 'nohide' : 'hide'];
  if (f.crossmnt) o.push('crossmnt');
  if (f.noSubtreeCheck) o.push('no_subtree_check');
  if (f.insecureLocks) o.push('insecure_locks');
  if (f.fsid !== undefined) o.push(`fsid=${f.fsid}`);
  if (f.anonuid !== 65534) o.push(`anonuid=${f.anonuid}`);
  if (f.anongid !== 65534) o.push(`anongid=${f.anongid}`);
  o.push(
    `sec=${f.sec.join(':')}`,
    f.ro ? 'ro' : 'rw',
    f.insecure ? 'insecure' : 'secure',
    f.rootSquash ? 'root_squash' : 'no_root_squash',
    f.allSquash ? 'all_squash' : 'no_all_squash',
  );
  return o.join(',');
}

/** An etab line's options: every flag spelled out, as nfs-utils writes /var/lib/nfs/etab. */
function etabOptions(f) {
  const o = [
    f.ro ? 'ro' : 'rw',
    f.async ? 'async' : 'sync',
    f.wdelay ? 'wdelay' : 'no_wdelay',
    f.nohide ? 'nohide' : 'hide',
    f.crossmnt ? 'crossmnt' : 'nocrossmnt',
    f.insecure ? 'insecure' : 'secure',
    f.rootSquash ? 'root_squash' : 'no_root_squash',
    f.allSquash ? 'all_squash' : 'no_all_squash',
    f.noSubtreeCheck ? 'no_subtree_check' : 'subtree_check',
    f.insecureLocks ? 'insecure_locks' : 'secure_locks',
    'acl',
    'no_pnfs',
  ];
  if (f.fsid !== undefined) o.push(`fsid=${f.fsid}`);
  o.push(`anonuid=${f.anonuid}`, `anongid=${f.anongid}`, `sec=${f.sec.join(':')}`);
  return o.join(',');
}

function unescapePath(text) {
  return text.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

function escapePath(text) {
  return text.replace(/[\s\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** Parses an exports file into { path, client, flags } entries; errors as exportfs prints them. */
function parseExportsFile(file, content, errors) {
  const entries = [];
  const logical = [];
  let pending = null;
  content.split('\n').forEach((raw, i) => {
    const text = (pending ? pending.text : '') + raw;
    const start = pending ? pending.start : i + 1;
    if (text.endsWith('\\')) return (pending = { text: `${text.slice(0, -1)} `, start });
    pending = null;
    logical.push({ text, line: start });
  });
  for (const { text, line } of logical) {
    const body = text.replace(/#.*$/, '').trim();
    if (body === '') continue;
    const quoted = /^"([^"]*)"\s*(.*)$/.exec(body);
    const [exportPath, rest] = quoted
      ? [quoted[1], quoted[2]]
      : [unescapePath(body.split(/\s+/)[0]), body.split(/\s+/).slice(1).join(' ')];
    const defaults = [];
    const clients = [];
    for (const token of rest.split(/\s+/).filter(Boolean)) {
      if (token.startsWith('-')) defaults.push(...token.slice(1).split(','));
      else clients.push(token);
    }
    if (clients.length === 0) {
      errors.push(
        `exportfs: No host name given with ${exportPath} (${defaults.join(',') || 'ro,sync,no_subtree_check'}), suggest *(${defaults.join(',') || 'ro,sync,no_subtree_check'}) to avoid warning`,
      );
      clients.push('*');
    }
    for (const spec of clients) {
      const m = /^([^()]*)(?:\((.*)\))?$/.exec(spec);
      if (!m) {
        errors.push(`exportfs: ${file}:${line}: syntax error: bad option list`);
        continue;
      }
      const flags = DEFAULT_FLAGS();
      const problems = [...defaults, ...(m[2] ? m[2].split(',').filter(Boolean) : [])]
        .map((o) => applyOption(flags, o))
        .filter(Boolean);
      if (problems.length > 0) {
        errors.push(`exportfs: ${file}:${line}: ${problems[0]}`);
        continue;
      }
      entries.push({ path: exportPath, client: m[1] || '*', flags });
    }
  }
  return entries;
}

function readExportsFiles(errors) {
  const files = ['/etc/exports'];
  try {
    files.push(
      ...fs
        .readdirSync('/etc/exports.d')
        .filter((f) => f.endsWith('.exports') && !f.startsWith('.'))
        .sort()
        .map((f) => `/etc/exports.d/${f}`),
    );
  } catch {
    /* no exports.d */
  }
  return files.flatMap((file) => {
    const content = readOr(file, undefined);
    return content === undefined ? [] : parseExportsFile(file, content, errors);
  });
}

/** The applied table, from an etab written by this emulator (or by nfs-utils). */
function readEtab(file = ETAB) {
  return readOr(file, '')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [p, spec] = line.split('\t');
      const m = /^([^()]*)\((.*)\)$/.exec(spec ?? '');
      const flags = DEFAULT_FLAGS();
      if (m) m[2].split(',').forEach((o) => applyOption(flags, o));
      return { path: unescapePath(p), client: m ? m[1] : spec, flags };
    });
}

function writeEtab(entries) {
  writeAtomic(
    ETAB,
    entries.map((e) => `${escapePath(e.path)}\t${e.client}(${etabOptions(e.flags)})\n`).join(''),
  );
  publish();
}

function dump(entries, verbose) {
  for (const e of entries) {
    const host = e.client === '*' ? '<world>' : e.client;
    const head = e.path.length > 14 ? `${e.path}\n\t\t${host}` : `${e.path.padEnd(14)}\t${host}`;
    process.stdout.write(verbose ? `${head}(${verboseOptions(e.flags)})\n` : `${head}\n`);
  }
}

function exportfs() {
  let all = false,
    reexport = false,
    unexport = false,
    verbose = false,
    exportFormat = false;
  const rest = [];
  for (const a of args) {
    if (/^-[arufvis]+$/.test(a)) {
      all ||= a.includes('a');
      reexport ||= a.includes('r');
      unexport ||= a.includes('u');
      verbose ||= a.includes('v');
      exportFormat ||= a.includes('s');
    } else rest.push(a);
  }
  if (rest.length > 0)
    fail(
      'exportfs (lab): exporting single client:/path pairs is not emulated; edit /etc/exports.d and run exportfs -ra',
      2,
    );
  if (!all && !reexport && !unexport) {
    const table = readEtab();
    if (exportFormat)
      for (const e of table)
        process.stdout.write(`${escapePath(e.path)} ${e.client}(${verboseOptions(e.flags)})\n`);
    else dump(table, verbose);
    return 0;
  }
  if (unexport && all) {
    if (verbose) for (const e of readEtab()) process.stdout.write(`unexporting ${e.client}:${e.path}\n`);
    writeEtab([]);
    return 0;
  }
  const errors = [];
  const wanted = readExportsFiles(errors).filter((e) => {
    try {
      if (fs.statSync(e.path).isDirectory()) return true;
      errors.push(`exportfs: ${e.path} is not a directory`);
    } catch {
      errors.push(`exportfs: Failed to stat ${e.path}: No such file or directory`);
    }
    return false;
  });
  const key = (e) => `${e.client}:${e.path}`;
  const table = reexport
    ? wanted
    : [...readEtab().filter((e) => !wanted.some((w) => key(w) === key(e))), ...wanted];
  if (verbose) for (const e of wanted) process.stdout.write(`exporting ${key(e)}\n`);
  writeEtab(table);
  for (const message of errors) process.stderr.write(`${message}\n`);
  return errors.some((m) => !m.includes('suggest')) ? 1 : 0;
}

// ---------------------------------------------------------------- nfsd versions (systemctl)

function nfsConfVersions(root = '') {
  const enabled = { 3: true, 4: true, '4.0': true, 4.1: true, 4.2: true };
  let section = '';
  for (const raw of readOr(`${root}/etc/nfs.conf`, '').split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) section = header[1].trim().toLowerCase();
    const kv = /^vers([0-9.]+)\s*=\s*(\S+)$/.exec(line);
    if (section === 'nfsd' && kv) enabled[kv[1]] = /^(y|yes|true|on|1)$/i.test(kv[2]);
  }
  return enabled;
}

function systemctl() {
  const [verb, unit] = args;
  if (!/^nfs-(server|kernel-server)(\.service)?$/.test(unit ?? ''))
    fail(`systemctl (lab): only nfs-server is emulated on this host, not ${unit}`, 5);
  if (verb === 'restart' || verb === 'start' || verb === 'reload') {
    const v = nfsConfVersions();
    const line = ['2', '3', '4', '4.0', '4.1', '4.2']
      .map((n) => `${n === '2' ? '-' : v[n] === false ? '-' : '+'}${n}`)
      .filter((s) => s !== '+4.0' && s !== '-4.0')
      .join(' ');
    writeAtomic(NFSD_VERSIONS, `${line}\n`);
    publish();
    fs.appendFileSync(`${STATE_DIR}/nfs-server.log`, `${new Date().toISOString()} ${verb}\n`);
    return 0;
  }
  if (verb === 'is-active') return (process.stdout.write('active\n'), 0);
  fail(`systemctl (lab): "${verb}" is not emulated`, 1);
}

// ---------------------------------------------------------------- client side (mount, umount, findmnt)

/** The host's own address on the lab network (eth0's /24 address, not a virtual IP added beside it). */
function ownAddress() {
  const eth0 = os.networkInterfaces().eth0 ?? [];
  const primary = eth0.find((a) => a.family === 'IPv4' && a.netmask === '255.255.255.0');
  return primary ? primary.address : '127.0.0.1';
}

/** The server's IPv4 address by the host's resolver, when it publishes NFS exports on the fabric. */
function resolveServer(server) {
  let address = /^\d+\.\d+\.\d+\.\d+$/.test(server) ? server : undefined;
  if (!address) {
    const r = spawnSync('getent', ['ahostsv4', server], { encoding: 'utf8' });
    address = r.status === 0 ? r.stdout.split(/\s+/)[0] : undefined;
  }
  if (!address) return undefined;
  const published = `${FABRIC}/${address}`;
  return fs.existsSync(`${published}/etab`) ? { address, published } : { address, published: undefined };
}

/** Offers exactly the applied exports on the fabric: the etab, nfsd's versions, each exported directory. */
function publish() {
  const base = `${FABRIC}/${ownAddress()}`;
  const table = readEtab(ETAB);
  writeAtomic(`${base}/etab`, readOr(ETAB, ''));
  writeAtomic(`${base}/nfsd-versions`, readOr(NFSD_VERSIONS, `${ALL_VERSIONS}\n`));
  const wanted = [...new Set(table.map((e) => e.path))];
  const before = JSON.parse(readOr(PUBLISHED, '[]'));
  const run = (argv) => spawnSync('/usr/bin/mount', argv, { encoding: 'utf8' });
  for (const p of before.filter((p) => !wanted.includes(p))) {
    spawnSync('/usr/bin/umount', ['-l', `${base}/root${p}`], { encoding: 'utf8' });
  }
  for (const p of wanted.filter((p) => !before.includes(p))) {
    fs.mkdirSync(`${base}/root${p}`, { recursive: true });
    const r = run(['--bind', p, `${base}/root${p}`]);
    if (r.status !== 0) fail(`exportfs: could not export ${p}: ${(r.stderr || '').trim()}`, 1);
  }
  writeAtomic(PUBLISHED, JSON.stringify(wanted));
}

function ipv4ToInt(ip) {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** exports(5) client forms: *, a host name, an address, a CIDR network, a name with wildcards. */
function clientMatches(spec, address, name) {
  if (spec === '*' || spec === address || spec === name) return true;
  const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(spec);
  if (cidr && /^\d+\.\d+\.\d+\.\d+$/.test(address)) {
    const bits = Number(cidr[2]);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (ipv4ToInt(cidr[1]) & mask) >>> 0 === (ipv4ToInt(address) & mask) >>> 0;
  }
  if (/[*?]/.test(spec))
    return new RegExp(
      `^${spec
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(name);
  return false;
}

function mountedTargets() {
  return new Set(
    readOr('/proc/self/mountinfo', '')
      .split('\n')
      .filter(Boolean)
      .map((l) => unescapePath(l.split(' ')[4])),
  );
}

/** The emulated NFS mounts still in place (an entry whose bind mount is gone is forgotten). */
function readMounts() {
  let list;
  try {
    list = JSON.parse(readOr(MOUNTS, '[]'));
  } catch {
    list = [];
  }
  const live = mountedTargets();
  return list.filter((m) => live.has(m.target));
}

function writeMounts(list) {
  writeAtomic(MOUNTS, `${JSON.stringify(list, null, 2)}\n`);
}

function parseMountArgs(argv) {
  const out = { type: undefined, options: [], positional: [], verbose: false, bind: false, other: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-t' || a === '--types') out.type = argv[++i];
    else if (a.startsWith('-t') && a.length > 2) out.type = a.slice(2);
    else if (a === '-o' || a === '--options')
      out.options.push(...String(argv[++i]).split(',').filter(Boolean));
    else if (a.startsWith('-o') && a.length > 2) out.options.push(...a.slice(2).split(',').filter(Boolean));
    else if (a === '-v' || a === '--verbose') out.verbose = true;
    else if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    } else if (a.startsWith('-')) out.other = true;
    else out.positional.push(a);
  }
  return out;
}

const VERS_OPTION = /^(vers|nfsvers)=(.+)$/;

/** The options the kernel lists for an NFS mount, in its order (fs/nfs/super.c). */
function kernelOptions(requested, version, clientAddress, serverAddress, readOnly) {
  const has = (o) => requested.includes(o);
  const value = (name, fallback) => {
    const found = requested.filter((o) => o.startsWith(`${name}=`)).pop();
    return found ? found.slice(name.length + 1) : fallback;
  };
  const o = [readOnly ? 'ro' : 'rw'];
  if (has('sync')) o.push('sync');
  for (const f of ['nosuid', 'nodev', 'noexec']) if (has(f)) o.push(f);
  if (has('noatime')) o.push('noatime');
  else if (!has('strictatime')) o.push('relatime');
  if (has('nodiratime')) o.push('nodiratime');
  o.push(
    `vers=${version}`,
    `rsize=${value('rsize', '1048576')}`,
    `wsize=${value('wsize', '1048576')}`,
    'namlen=255',
  );
  for (const a of ['acregmin', 'acregmax', 'acdirmin', 'acdirmax']) if (value(a)) o.push(`${a}=${value(a)}`);
  const soft = has('soft') || has('softerr');
  if (!soft) o.push('hard');
  if (has('soft')) o.push('soft');
  if (has('softerr')) o.push('softerr');
  for (const f of ['nocto', 'noac', 'nolock', 'noacl', 'nordirplus', 'nosharecache', 'noresvport'])
    if (has(f)) o.push(f);
  o.push(`proto=${has('udp') ? 'udp' : value('proto', 'tcp')}`);
  if (value('nconnect')) o.push(`nconnect=${value('nconnect')}`);
  if (value('port')) o.push(`port=${value('port')}`);
  o.push(`timeo=${value('timeo', '600')}`, `retrans=${value('retrans', '2')}`, `sec=${value('sec', 'sys')}`);
  if (version.startsWith('4')) o.push(`clientaddr=${value('clientaddr', clientAddress)}`);
  if (value('lookupcache')) o.push(`lookupcache=${value('lookupcache')}`);
  o.push(`local_lock=${has('nolock') ? 'all' : value('local_lock', 'none')}`, `addr=${serverAddress}`);
  return o.join(',');
}

function splitSource(source) {
  const m = /^(\[[^\]]+\]|[^:]+):(\/.*)$/.exec(source);
  return m ? { server: m[1].replace(/^\[(.*)\]$/, '$1'), path: m[2] } : undefined;
}

function mountNfs(parsed) {
  const helper = parsed.type === 'nfs' ? 'mount.nfs' : 'mount.nfs4';
  const [source, target] = parsed.positional;
  if (!source || !target) fail(`${helper}: both a source (server:/path) and a mount point are needed`, 1);
  const current = readMounts();
  if (parsed.options.includes('remount')) {
    // NFS applies almost no option change on a remount: the mount keeps what it had.
    if (current.some((m) => m.target === target)) return 0;
    fail(`mount: ${target}: mount point not mounted or bad option.`, 32);
  }
  const parts = splitSource(source);
  if (!parts) fail(`${helper}: remote share not in 'host:dir' format`, 32);
  const versOption = parsed.options.filter((o) => VERS_OPTION.test(o)).pop();
  let version = versOption ? VERS_OPTION.exec(versOption)[2] : '4.2';
  if (version === '4') version = '4.2';
  if (!/^(2|3|4\.[012])$/.test(version)) fail(`${helper}: an incorrect mount option was specified`, 32);
  if (parsed.type === 'nfs4' && !version.startsWith('4'))
    fail(`${helper}: an incorrect mount option was specified`, 32);
  const server = resolveServer(parts.server);
  if (!server) fail(`${helper}: Failed to resolve server ${parts.server}: Name or service not known`, 32);
  if (!server.published)
    fail(`${helper}: mount to NFS server '${parts.server}' failed: RPC Error: Program not registered`, 32);
  const versions = readOr(`${server.published}/nfsd-versions`, ALL_VERSIONS).trim().split(/\s+/);
  if (versions.includes(`-${version}`) || (version === '2' && !versions.includes('+2'))) {
    fail(`${helper}: requested NFS version or transport protocol is not supported`, 32);
  }
  const me = { address: ownAddress(), name: os.hostname() };
  const exportEntry = readEtab(`${server.published}/etab`).find(
    (e) =>
      (parts.path === e.path || parts.path.startsWith(`${e.path.replace(/\/$/, '')}/`)) &&
      clientMatches(e.client, me.address, me.name),
  );
  if (!exportEntry) fail(`${helper}: access denied by server while mounting ${source}`, 32);
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    fail(`${helper}: mount point ${target} does not exist`, 32);
  }
  if (!stat.isDirectory()) fail(`${helper}: mount point ${target} is not a directory`, 32);
  if (current.some((m) => m.target === target && m.source === source))
    fail(`${helper}: ${source} is busy or already mounted on ${target}`, 32);
  const readOnly = exportEntry.flags.ro || parsed.options.includes('ro');
  const run = (argv) => {
    const r = spawnSync('/usr/bin/mount', argv, { encoding: 'utf8' });
    if (r.status !== 0) fail(`${helper}: ${(r.stderr || '').trim() || `mount ${argv.join(' ')} failed`}`, 32);
  };
  run(['--bind', `${server.published}/root${parts.path}`, target]);
  run(['--make-private', target]);
  if (readOnly) run(['-o', 'remount,bind,ro', target]);
  const options = kernelOptions(parsed.options, version, me.address, server.address, readOnly);
  writeMounts([...current, { target, source, fstype: version.startsWith('4') ? 'nfs4' : 'nfs', options }]);
  if (parsed.verbose)
    process.stdout.write(`${helper}: trying text-based options '${parsed.options.join(',')}'\n`);
  return 0;
}

function mount() {
  const parsed = parseMountArgs(args);
  const [source] = parsed.positional;
  const nfsType = parsed.type === 'nfs' || parsed.type === 'nfs4';
  const looksRemote =
    !parsed.type && source && splitSource(source) && parsed.positional.length === 2 && !parsed.other;
  if (nfsType || looksRemote) return mountNfs(parsed);
  return passThrough('mount');
}

function umount() {
  const targets = args.filter((a) => !a.startsWith('-'));
  const current = readMounts();
  const entry = current.find((m) => targets.includes(m.target) || targets.includes(m.source));
  if (!entry) return passThrough('umount');
  const flags = args.filter((a) => a.startsWith('-'));
  const r = spawnSync('/usr/bin/umount', [...flags, entry.target], { encoding: 'utf8' });
  if (r.status !== 0) {
    const busy = /busy/.test(r.stderr);
    fail(
      busy ? `umount.nfs4: ${entry.target}: device is busy` : `umount.nfs4: ${(r.stderr || '').trim()}`,
      busy ? 16 : 32,
    );
  }
  writeMounts(readMounts().filter((m) => m.target !== entry.target));
  return 0;
}

function findmnt() {
  let json = false,
    noHeadings = false,
    mountpoint,
    target,
    types,
    columns = ['TARGET', 'SOURCE', 'FSTYPE', 'OPTIONS'];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-J' || a === '--json') json = true;
    else if (a === '-n' || a === '--noheadings') noHeadings = true;
    else if (a === '-o' || a === '--output') columns = args[++i].split(',').map((c) => c.toUpperCase());
    else if (a.startsWith('--output='))
      columns = a
        .slice(9)
        .split(',')
        .map((c) => c.toUpperCase());
    else if (a === '-M' || a === '--mountpoint') mountpoint = args[++i];
    else if (a.startsWith('--mountpoint=')) mountpoint = a.slice(13);
    else if (a === '-T' || a === '--target') target = args[++i];
    else if (a === '-t' || a === '--types') types = args[++i].split(',');
    else return passThrough('findmnt');
  }
  const mounts = readMounts();
  let found;
  if (mountpoint !== undefined) {
    const normalized = mountpoint.length > 1 ? mountpoint.replace(/\/+$/, '') : mountpoint;
    found = mounts.filter((m) => m.target === normalized);
    // Something mounted on top of the emulated share (or nothing emulated here): the real table answers.
    if (found.length === 0) return passThrough('findmnt');
  } else if (target !== undefined) {
    const below = mounts
      .filter((m) => target === m.target || target.startsWith(`${m.target}/`))
      .sort((a, b) => b.target.length - a.target.length);
    if (below.length === 0) return passThrough('findmnt');
    found = [below[0]];
  } else if (types && types.every((t) => t === 'nfs' || t === 'nfs4')) {
    found = mounts;
  } else return passThrough('findmnt');
  if (types) found = found.filter((m) => types.includes(m.fstype));
  if (found.length === 0) return 1;
  const row = (m) =>
    columns.map(
      (c) => ({ TARGET: m.target, SOURCE: m.source, FSTYPE: m.fstype, OPTIONS: m.options })[c] ?? '',
    );
  if (json) {
    const filesystems = found.map((m) =>
      Object.fromEntries(columns.map((c, i) => [c.toLowerCase(), row(m)[i]])),
    );
    process.stdout.write(`${JSON.stringify({ filesystems }, null, 3)}\n`);
  } else {
    const rows = [...(noHeadings ? [] : [columns]), ...found.map(row)];
    const widths = columns.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows)
      process.stdout.write(`${r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]))).join(' ')}\n`);
  }
  return 0;
}

const commands = { exportfs, systemctl, mount, umount, findmnt };
if (!commands[command]) fail(`nfs-emulator: unknown command name ${command}`, 2);
process.exitCode = commands[command]() ?? 0;
