import { SshCredentials } from '../../index';
import type { HostProps } from '../../index';
import type { LabHost, LabInventory } from '../lab/lab';

/** A lab host as a construct's host prop: pinned host key, the lab's client key by file reference. */
export function labHostProps(lab: LabInventory, host: LabHost, extra: Partial<HostProps> = {}): HostProps {
  return {
    name: host.name,
    address: host.address,
    port: host.port,
    user: host.user,
    hostKeySha256: host.hostKeySha256,
    credentials: SshCredentials.privateKeyFile(lab.clientKeyPath),
    connectTimeoutSeconds: 10,
    ...extra,
  };
}
