import * as fs from 'node:fs';
import * as path from 'node:path';
import { installEmulator } from '../../lab';

const SCRIPT = fs.readFileSync(path.join(__dirname, 'nfs-emulator.js'), 'utf8');

/** The server side: exportfs with its applied table, and systemctl for nfs-server. */
export function installNfsServerEmulator(hostName: string): void {
  for (const command of ['exportfs', 'systemctl']) installEmulator(hostName, command, SCRIPT);
}

/** The client side: mount, umount and findmnt for emulated NFS mounts. */
export function installNfsClientEmulator(hostName: string): void {
  for (const command of ['mount', 'umount', 'findmnt']) installEmulator(hostName, command, SCRIPT);
}
