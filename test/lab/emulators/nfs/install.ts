/**
 * The lab's NFS emulation on a host: nfs-lab.py, installed in /lab/bin under each command name it
 * answers to, runs the nfslab package, installed beside the shared helpers in /lab/lib/python.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { installEmulator, installEmulatorModules } from '../../lab';

const ENTRY = fs.readFileSync(path.join(__dirname, 'nfs-lab.py'), 'utf8');

function install(hostName: string, commands: readonly string[]): void {
  installEmulatorModules(hostName, path.join(__dirname, 'nfslab'), 'nfslab');
  for (const command of commands) installEmulator(hostName, command, ENTRY);
}

/** The server side: exportfs with its applied table, and systemctl for nfs-server. */
export function installNfsServerEmulator(hostName: string): void {
  install(hostName, ['exportfs', 'systemctl']);
}

/** The client side: mount, umount and findmnt for emulated NFS mounts. */
export function installNfsClientEmulator(hostName: string): void {
  install(hostName, ['mount', 'umount', 'findmnt']);
}
