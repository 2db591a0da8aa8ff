/** Everything sshd needs to know about one lab host; paths are as seen inside the host. */
export interface SshdConfigInput {
  hostName: string;
  port: number;
  /** PATH for every session; the host's emulator directory comes first. */
  path: string;
}

export const HOST_KEY_PATH = '/etc/ssh/ssh_host_ed25519_key';
export const AUTHORIZED_KEYS_PATH = '/etc/ssh/lab_authorized_keys';
export const SSHD_LOG_PATH = '/var/log/lab-sshd.log';

/** Renders the sshd_config of one lab host (pure, so it can be unit-tested). */
export function renderSshdConfig(c: SshdConfigInput): string {
  return [
    `# Lab host ${c.hostName}: rewritten at every start of the host.`,
    // Every address of the host, as a real server: a virtual IP added to a host answers SSH too.
    `Port ${c.port}`,
    'ListenAddress 0.0.0.0',
    `HostKey ${HOST_KEY_PATH}`,
    'PidFile /run/sshd.pid',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // Key logins only; PAM would add nothing here but start-up time.
    'UsePAM no',
    `AuthorizedKeysFile ${AUTHORIZED_KEYS_PATH}`,
    'StrictModes yes',
    // internal-sftp runs inside sshd itself.
    'Subsystem sftp internal-sftp',
    // A host must be usable as a jump host (ssh -J) for another one.
    'AllowTcpForwarding yes',
    // SetEnv overrides sshd's compiled-in PATH for every session, including non-interactive commands.
    `SetEnv PATH=${c.path} LAB_HOST=${c.hostName}`,
    // Tests open many connections at once: the defaults (10:30:100 / 10) would drop some.
    'MaxStartups 100',
    'MaxSessions 50',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'X11Forwarding no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}
