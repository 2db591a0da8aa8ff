/** Files on the machine that runs terraform: read at apply time, compared with hosts' copies by SHA-256. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { shellScript } from '../../src/dialect/posix';
import { StepFailure } from '../../src/errors';
import type { RemoteHost } from '../../src/runner/remote-host';
import { SHA256_OF } from './commands';

/** The file's bytes, read at apply time; a failure names the file and this machine. */
export function readLocalFile(file: string, what = file): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new StepFailure(`cannot read ${what} on this machine: ${(error as Error).message}`);
  }
}

/** The SHA-256 of the bytes, in hex as sha256sum prints it. */
export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Fact `sameBytes`: the host's file at `path` holds exactly these bytes (compared by SHA-256). Missing: false. */
export async function hostHasBytes(host: RemoteHost, path: string, bytes: Buffer): Promise<boolean> {
  const present = await host.run({ argv: shellScript(SHA256_OF, path) });
  return present.code === 0 && present.stdout.trim() === sha256Hex(bytes);
}
