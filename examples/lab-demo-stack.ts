import type { Construct } from 'constructs';
import { HostSteps, SshCredentials } from '../index';
import type { HostProps } from '../index';

/** What the example needs to know of each lab host (the lab's inventory has it). */
export interface DemoHost {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly hostKeySha256: string;
}

/**
 * The generic steps on a pair of hosts: a managed file, keys in an INI file, a line in a
 * line-based file, a guarded command, in order across both hosts.
 */
export function addLabDemo(
  scope: Construct,
  hosts: readonly [DemoHost, DemoHost],
  clientKeyPath: string,
): HostSteps {
  const asHost = (h: DemoHost): HostProps => ({
    name: h.name,
    address: h.address,
    port: h.port,
    user: h.user,
    hostKeySha256: h.hostKeySha256,
    credentials: SshCredentials.privateKeyFile(clientKeyPath),
    connectTimeoutSeconds: 10,
  });
  const [first, second] = hosts;
  const stepsFor = (self: DemoHost, peer: DemoHost, after: string[]) => [
    {
      id: `pair-config-${self.name}`,
      description: `pair configuration on ${self.name}`,
      host: asHost(self),
      after,
      actions: [
        {
          kind: 'file' as const,
          path: '/etc/failover-demo/role',
          content: `${self === first ? 'primary' : 'backup'}\n`,
          mode: '0644',
        },
        {
          kind: 'config' as const,
          format: 'ini' as const,
          createIfMissing: true,
          path: '/etc/failover-demo/pair.conf',
          settings: [
            { key: 'pair.peer', value: peer.address },
            { key: 'pair.self', value: self.address },
          ],
        },
        {
          kind: 'line' as const,
          path: '/etc/hosts',
          line: `${peer.address} ${peer.name}`,
          match: `\\s${peer.name}$`,
        },
        {
          kind: 'command' as const,
          description: 'shared state directory /srv/failover-demo',
          check: { argv: ['test', '-d', '/srv/failover-demo'] },
          run: { argv: ['mkdir', '-p', '-m', '0750', '/srv/failover-demo'] },
        },
      ],
    },
  ];
  return new HostSteps(scope, 'PairDemo', {
    steps: [...stepsFor(first, second, []), ...stepsFor(second, first, [`pair-config-${first.name}`])],
  });
}
