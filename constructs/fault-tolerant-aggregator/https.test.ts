/**
 * The HTTPS step's files and commands on a real shell (the runner's agent run locally): commands
 * that failed after their files were written run again on the next deploy, although the files
 * then already match.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StepFailure } from '../../src/errors';
import { RemoteHost } from '../../src/runner/remote-host';
import { closeLocalExecutors, LOCAL_HOST, LocalExecutor } from '../../test/support/local-executor';
import type { HttpsHostWork } from './actions';
import { applyHttpsFiles, httpsMarker } from './handle-https';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-https-'))));
afterEach(async () => {
  await closeLocalExecutors();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A deploy's connection to the host, as the runner makes one per step. */
function connect(): RemoteHost {
  const executor = new LocalExecutor();
  return new RemoteHost(LOCAL_HOST, executor, path.join(dir, 'state'));
}

function work(): HttpsHostWork {
  const local = path.join(dir, 'local-cert.pem');
  fs.writeFileSync(local, 'certificate\n');
  return {
    host: LOCAL_HOST,
    files: [{ localFile: local, path: path.join(dir, 'host', 'cert.pem'), mode: '0640' }],
    // Fails until the operator fixes what it needs (the file `fixed`); counts its successful runs.
    commands: [['sh', '-c', `test -e ${dir}/fixed && echo reloaded >> ${dir}/reloads`]],
  };
}

const reloads = () => (fs.existsSync(`${dir}/reloads`) ? fs.readFileSync(`${dir}/reloads`, 'utf8') : '');

describe('HTTPS files and their commands', () => {
  it('a command that failed after its files were written runs on the next deploy, then not again', async () => {
    const w = work();
    await expect(applyHttpsFiles(connect(), w, false)).rejects.toThrow(StepFailure);
    expect(fs.readFileSync(w.files[0].path, 'utf8')).toBe('certificate\n');
    expect(reloads()).toBe('');

    fs.writeFileSync(`${dir}/fixed`, '');
    // A check sees the commands still due, and does nothing.
    expect(await applyHttpsFiles(connect(), w, true)).toEqual({ changedFiles: 0, commandsDue: true });
    expect(reloads()).toBe('');

    expect(await applyHttpsFiles(connect(), w, false)).toEqual({ changedFiles: 0, commandsDue: true });
    expect(reloads()).toBe('reloaded\n');
    expect(fs.existsSync(path.join(dir, 'state', 'pending', httpsMarker(w.commands)))).toBe(false);

    expect(await applyHttpsFiles(connect(), w, false)).toEqual({ changedFiles: 0, commandsDue: false });
    expect(reloads()).toBe('reloaded\n');
  });

  it('files that match and no marker: nothing written, nothing run', async () => {
    const w = work();
    fs.writeFileSync(`${dir}/fixed`, '');
    expect(await applyHttpsFiles(connect(), w, false)).toEqual({ changedFiles: 1, commandsDue: true });
    expect(await applyHttpsFiles(connect(), w, false)).toEqual({ changedFiles: 0, commandsDue: false });
    expect(reloads()).toBe('reloaded\n');
  });
});
