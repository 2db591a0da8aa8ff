/** Everything sshd needs to know about one lab host. */
export interface SshdConfigInput {
  address: string;
  port: number;
  hostKeyPath: string;
  pidFilePath: string;
  authorizedKeysPath: string;
  chrootDirectory: string;
  /** PATH for every session; the host's emulator directory comes first. */
  path: string;
  hostName: string;
}

/** Renders the sshd_config of one lab host (pure, so it can be unit-tested). */
export function renderSshdConfig(c: SshdConfigInput): string {
  return [
    `# Lab host ${c.hostName}: rewritten at every cold start of the lab.`,
    `ListenAddress ${c.address}:${c.port}`,
    `HostKey ${c.hostKeyPath}`,
    `PidFile ${c.pidFilePath}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // No PAM: the system's PAM stack would run outside the host's view and is not needed for key logins.
    'UsePAM no',
    // Read before the chroot, so this is a path on the machine, not inside the host.
    `AuthorizedKeysFile ${c.authorizedKeysPath}`,
    'StrictModes yes',
    `ChrootDirectory ${c.chrootDirectory}`,
    // internal-sftp runs inside sshd itself, so no sftp-server binary is needed in the chroot.
    'Subsystem sftp internal-sftp',
    // A host must be usable as a jump host (ssh -J) for another one.
    'AllowTcpForwarding yes',
    // SetEnv overrides sshd's compiled-in PATH for every session, including non-interactive commands.
    `SetEnv PATH=${c.path} LAB_HOST=${c.hostName}`,
    // Tests open many connections at once: the defaults (10:30:100 / 10) would drop some.
    'MaxStartups 100',
    'MaxSessions 50',
    // These read files outside the chroot or do DNS lookups: useless here and slow.
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'X11Forwarding no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}
