/**
 * The staging scripts run for real by the local `sh`: what they write, what they refuse, and that
 * the staging directory (and the password in it) is gone after every ending of an installer run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  INSTALLER_ALTERED_MESSAGE,
  INSTALLER_ALTERED_STATUS,
  MAKE_STAGING,
  RECEIVE_INSTALLER,
  REMOVE_STAGING,
  RUN_INSTALLER,
  STAGING_PREFIX,
} from './commands';

const INSTALLER = `#!/bin/sh
# Records its arguments and the response file it was given, then exits with $FAKE_RC.
printf '%s\\n' "$@" > "$FAKE_MARK"
cat "$4" > "$FAKE_MARK.response"
[ -z "$FAKE_SLEEP" ] || sleep "$FAKE_SLEEP"
exit "\${FAKE_RC:-0}"
`;
const RESPONSE = 'LAB_DB_PASSWORD=hunter2\n';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let work: string;
let home: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fta-commands-'));
  home = path.join(work, 'home');
  fs.mkdirSync(home, { mode: 0o700 });
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

function sh(script: string, args: string[], input = '', env: Record<string, string> = {}) {
  const r = spawnSync('sh', ['-c', script, 'sh', ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, HOME: home, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function makeStaging(): string {
  const made = sh(MAKE_STAGING, []);
  expect(made).toMatchObject({ code: 0, stderr: '' });
  return made.stdout.trim();
}

/** RUN_INSTALLER's arguments: the installer, unpack, install and record paths, version, staging, digest. */
function runArgs(installer: string, staging: string, digest: string): string[] {
  fs.mkdirSync(path.join(work, 'installed'), { recursive: true });
  return [
    installer,
    work,
    path.join(work, 'installed'),
    path.join(work, 'records', 'r'),
    '1.0',
    staging,
    digest,
  ];
}

/** An installer received into a fresh staging directory, as the handler uploads it. */
function staged(): { staging: string; installer: string } {
  const staging = makeStaging();
  expect(sh(RECEIVE_INSTALLER, [staging, 'installDA.bin'], INSTALLER)).toMatchObject({ code: 0 });
  return { staging, installer: path.join(staging, 'installDA.bin') };
}

describe('MAKE_STAGING', () => {
  it('makes a new directory for each run, mode 0700, owned by the login, in its private home', () => {
    const first = makeStaging();
    const second = makeStaging();
    expect(first).not.toBe(second);
    for (const dir of [first, second]) {
      expect(path.dirname(dir)).toBe(home);
      expect(path.basename(dir)).toMatch(
        new RegExp(`^${STAGING_PREFIX.replace(/\./g, '\\.')}[A-Za-z0-9]{10}$`),
      );
      const stat = fs.lstatSync(dir);
      expect(stat.isDirectory()).toBe(true);
      expect(stat.mode & 0o777).toBe(0o700);
      expect(stat.uid).toBe(process.getuid!());
    }
  });

  it('stages under /var/tmp, not in a home that other users may write', () => {
    fs.chmodSync(home, 0o777);
    const dir = makeStaging();
    try {
      expect(path.dirname(dir)).toBe('/var/tmp');
      expect(fs.lstatSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RECEIVE_INSTALLER', () => {
  it('writes the installer executable by the login only', () => {
    const { installer } = staged();
    expect(fs.readFileSync(installer, 'utf8')).toBe(INSTALLER);
    expect(fs.statSync(installer).mode & 0o777).toBe(0o700);
  });

  it('refuses a name that exists, a link included, and writes nothing through it', () => {
    const staging = makeStaging();
    const target = path.join(work, 'root-only');
    fs.writeFileSync(target, 'root only\n', { mode: 0o600 });
    fs.symlinkSync(target, path.join(staging, 'installDA.bin'));
    const r = sh(RECEIVE_INSTALLER, [staging, 'installDA.bin'], INSTALLER);
    expect(r.code).toBe(70);
    expect(r.stderr).toContain('exists already');
    expect(fs.readFileSync(target, 'utf8')).toBe('root only\n');
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['a directory not made by MAKE_STAGING', (w: string) => fs.mkdtempSync(path.join(w, 'other-'))],
    [
      'a link to a directory, named like a staging directory',
      (w: string) => {
        const link = path.join(w, `${STAGING_PREFIX}AAAAAAAAAA`);
        fs.symlinkSync(fs.mkdtempSync(path.join(w, 'elsewhere-')), link);
        return link;
      },
    ],
  ])('refuses %s', (_what, make) => {
    const dir = make(work);
    const r = sh(RECEIVE_INSTALLER, [dir, 'installDA.bin'], INSTALLER);
    expect(r.code).toBe(64);
    expect(fs.readdirSync(fs.realpathSync(dir))).toEqual([]);
  });

  it('refuses a name that leaves the directory', () => {
    const staging = makeStaging();
    expect(sh(RECEIVE_INSTALLER, [staging, '../escaped'], INSTALLER).code).toBe(64);
    expect(fs.existsSync(path.join(home, 'escaped'))).toBe(false);
  });
});

describe('RUN_INSTALLER', () => {
  const mark = () => path.join(work, 'ran');

  it('runs the uploaded installer with the response file from stdin, then removes the staging directory', () => {
    const { staging, installer } = staged();
    const r = sh(RUN_INSTALLER, runArgs(installer, staging, sha256(INSTALLER)), RESPONSE, {
      FAKE_MARK: mark(),
    });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(fs.readFileSync(mark(), 'utf8')).toBe(`-i\nsilent\n-f\n${staging}/response.properties\n`);
    expect(fs.readFileSync(`${mark()}.response`, 'utf8')).toBe(RESPONSE);
    expect(fs.existsSync(staging)).toBe(false);
    // The completion record is the handler's to write, once the install is verified.
    expect(fs.existsSync(path.join(work, 'records', 'r'))).toBe(false);
  });

  it('removes the completion record before the installer runs, so a failed run leaves none', () => {
    const { staging, installer } = staged();
    fs.mkdirSync(path.join(work, 'records'), { recursive: true });
    fs.writeFileSync(path.join(work, 'records', 'r'), '0.9 20260101T000000Z\n');
    sh(RUN_INSTALLER, runArgs(installer, staging, sha256(INSTALLER)), RESPONSE, { FAKE_MARK: mark() });
    expect(fs.existsSync(path.join(work, 'records', 'r'))).toBe(false);
  });

  it('refuses an installer whose SHA-256 is not the uploaded one, runs nothing, and removes the staging directory', () => {
    const { staging, installer } = staged();
    fs.appendFileSync(installer, 'echo swapped\n');
    const r = sh(RUN_INSTALLER, runArgs(installer, staging, sha256(INSTALLER)), RESPONSE, {
      FAKE_MARK: mark(),
    });
    expect(r.code).toBe(INSTALLER_ALTERED_STATUS);
    expect(r.stderr).toBe(
      `${INSTALLER_ALTERED_MESSAGE} ${installer}: its SHA-256 is ${sha256(`${INSTALLER}echo swapped\n`)}, not ${sha256(INSTALLER)} of the file uploaded from this machine, so it was changed after the upload\n`,
    );
    expect(fs.existsSync(mark())).toBe(false);
    expect(fs.existsSync(staging)).toBe(false);
  });

  it('removes the staging directory when the installer fails, and passes its exit status on', () => {
    const { staging, installer } = staged();
    const r = sh(RUN_INSTALLER, runArgs(installer, staging, sha256(INSTALLER)), RESPONSE, {
      FAKE_MARK: mark(),
      FAKE_RC: '3',
    });
    expect(r.code).toBe(3);
    expect(fs.existsSync(staging)).toBe(false);
  });

  it('removes the staging directory when the run is terminated', async () => {
    const { staging, installer } = staged();
    const child = spawn(
      'sh',
      ['-c', RUN_INSTALLER, 'sh', ...runArgs(installer, staging, sha256(INSTALLER))],
      {
        env: { ...process.env, HOME: home, FAKE_MARK: mark(), FAKE_SLEEP: '30' },
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
      },
    );
    child.stdin.end(RESPONSE);
    for (let i = 0; i < 200 && !fs.existsSync(`${mark()}.response`); i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(fs.existsSync(path.join(staging, 'response.properties'))).toBe(true);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    expect(await exited).toBe(143);
    expect(fs.existsSync(staging)).toBe(false);
  });

  it('refuses a response file name that exists in the staging directory rather than write through it', () => {
    const { staging, installer } = staged();
    const target = path.join(work, 'root-only');
    fs.writeFileSync(target, 'root only\n', { mode: 0o600 });
    fs.symlinkSync(target, path.join(staging, 'response.properties'));
    const r = sh(RUN_INSTALLER, runArgs(installer, staging, sha256(INSTALLER)), RESPONSE, {
      FAKE_MARK: mark(),
    });
    expect(r.code).toBe(70);
    expect(fs.readFileSync(target, 'utf8')).toBe('root only\n');
    expect(fs.existsSync(mark())).toBe(false);
    expect(fs.existsSync(staging)).toBe(false);
  });

  it('refuses a staging directory it did not make, and removes nothing', () => {
    const other = fs.mkdtempSync(path.join(work, 'other-'));
    fs.writeFileSync(path.join(other, 'keep'), 'keep\n');
    const r = sh(RUN_INSTALLER, runArgs('/bin/true', other, ''), RESPONSE);
    expect(r.code).toBe(64);
    expect(fs.readdirSync(other)).toEqual(['keep']);
  });
});

describe('REMOVE_STAGING', () => {
  it('removes a staging directory and what is in it, and is content when it is gone already', () => {
    const { staging } = staged();
    expect(sh(REMOVE_STAGING, [staging]).code).toBe(0);
    expect(fs.existsSync(staging)).toBe(false);
    expect(sh(REMOVE_STAGING, [staging]).code).toBe(0);
  });

  it('refuses any other directory', () => {
    const other = fs.mkdtempSync(path.join(work, 'other-'));
    expect(sh(REMOVE_STAGING, [other]).code).toBe(64);
    expect(fs.existsSync(other)).toBe(true);
  });
});
