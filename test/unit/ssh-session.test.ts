import { EventEmitter } from 'node:events';
import type { Client } from 'ssh2';
import { connectOnce } from '../../src/runner/ssh-session';
import { hostSchema } from '../../src/schema/host';

/** Stands in for an ssh2 Client: the test emits its events; connect and end only record calls. */
class FakeClient extends EventEmitter {
  connects = 0;
  ends = 0;
  connect(): void {
    this.connects += 1;
  }
  end(): void {
    this.ends += 1;
  }
}

const host = hostSchema.parse({
  name: 'db1',
  address: '198.18.0.11',
  user: 'deploy',
  credentials: { kind: 'passwordEnv', env: 'PW' },
  acceptUnknownHostKey: true,
});

function connect(fake: FakeClient) {
  return connectOnce(fake as unknown as Client, host, { PW: 'pw' }, 1000);
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('two errors before ready: the attempt fails once with the first, the second is not unhandled', async () => {
  const fake = new FakeClient();
  const attempt = connect(fake);
  await tick();
  expect(fake.connects).toBe(1);
  expect(() => fake.emit('error', new Error('Connection lost before handshake'))).not.toThrow();
  expect(() => fake.emit('error', new Error('read ECONNRESET'))).not.toThrow();
  await expect(attempt).rejects.toThrow('Connection lost before handshake');
  expect(fake.listenerCount('error')).toBe(1);
});

test('an error after ready is kept for the session, never thrown as an unhandled event', async () => {
  const fake = new FakeClient();
  const attempt = connect(fake);
  await tick();
  fake.emit('ready');
  const connection = await attempt;
  expect(connection.lateError).toBeUndefined();
  expect(() => fake.emit('error', new Error('read ECONNRESET'))).not.toThrow();
  expect(() => fake.emit('error', new Error('keepalive timeout'))).not.toThrow();
  expect(connection.lateError?.message).toBe('read ECONNRESET');
  expect(fake.listenerCount('error')).toBe(1);
});
