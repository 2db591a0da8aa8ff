import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RemoteHost } from '../../src/runner/remote-host';
import { LOCAL_HOST, LocalExecutor } from '../support/local-executor';

let dir: string;
let host: RemoteHost;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-files-'));
  host = new RemoteHost(LOCAL_HOST, new LocalExecutor(), path.join(dir, 'state'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const listing = () => fs.readdirSync(dir).sort();

describe('atomic file writes', () => {
  it('creates a missing file (and its folder) with mode 0644 and no backup', async () => {
    const target = path.join(dir, 'etc', 'app.conf');
    expect(await host.writeFile(target, 'a=1\n')).toBeUndefined();
    expect(fs.readFileSync(target, 'utf8')).toBe('a=1\n');
    expect((fs.statSync(target).mode & 0o777).toString(8)).toBe('644');
  });

  it('keeps the previous content as a timestamped backup and leaves no temporary file', async () => {
    const target = path.join(dir, 'fstab');
    fs.writeFileSync(target, 'original\n', { mode: 0o600 });
    const backup = await host.writeFile(target, 'replaced\n');
    expect(backup).toMatch(new RegExp(`^${target}\\.cdktf-failover-backup-\\d{8}T\\d{9}Z$`));
    expect(fs.readFileSync(backup!, 'utf8')).toBe('original\n');
    expect(fs.readFileSync(target, 'utf8')).toBe('replaced\n');
    expect((fs.statSync(target).mode & 0o777).toString(8)).toBe('600');
    expect(listing()).toEqual(['fstab', path.basename(backup!)]);
  });

  it('replaces by rename: a reader holding the old file still sees the old content', async () => {
    const target = path.join(dir, 'exports');
    fs.writeFileSync(target, 'old\n');
    const oldInode = fs.statSync(target).ino;
    const fd = fs.openSync(target, 'r');
    await host.writeFile(target, 'new\n');
    expect(fs.readFileSync(fd, 'utf8')).toBe('old\n');
    fs.closeSync(fd);
    expect(fs.statSync(target).ino).not.toBe(oldInode);
  });

  it('applies a requested mode, and binary-unsafe characters survive', async () => {
    const target = path.join(dir, 'odd name; $(x)');
    const content = 'quotes \' " `tick` $HOME\n\tünïcødé\n';
    await host.writeFile(target, content, { mode: '0640' });
    expect(fs.readFileSync(target, 'utf8')).toBe(content);
    expect(await host.fileMeta(target)).toEqual({ mode: '0640', owner: 'root', group: 'root' });
  });

  it('fails with the reason and leaves the original untouched when the write cannot happen', async () => {
    const target = path.join(dir, 'file');
    fs.writeFileSync(target, 'keep me\n');
    await expect(host.writeFile(target, 'x', { owner: 'no-such-user-here' })).rejects.toThrow(
      /writing .*file failed on local \(exit 1\):\n.*invalid user/,
    );
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me\n');
    expect(listing()).toEqual(['file']);
  });

  it('reads files, telling a missing file apart', async () => {
    fs.writeFileSync(path.join(dir, 'f'), 'x\n');
    expect(await host.readFile(path.join(dir, 'f'))).toBe('x\n');
    expect(await host.readFile(path.join(dir, 'missing'))).toBeUndefined();
    expect(await host.fileMeta(path.join(dir, 'missing'))).toBeUndefined();
  });

  it('keeps pending notifications until cleared', async () => {
    expect(await host.isPending('restart-x')).toBe(false);
    await host.setPending('restart-x', 'config changed');
    expect(await host.isPending('restart-x')).toBe(true);
    await host.clearPending('restart-x');
    expect(await host.isPending('restart-x')).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'state', 'pending'))).toEqual([]);
  });
});
