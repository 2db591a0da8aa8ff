/**
 * A first cdktf-failover stack: one step on each server listed in hosts.json (what you edit).
 * Replace the step with the constructs you need (NfsSharedDir, CassandraTwoNode, ...).
 */
import * as fs from 'node:fs';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { HostSteps, SshCredentials } from 'cdktf-failover';

interface Server {
  name: string;
  address: string;
  port?: number;
  user: string;
  /** ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub, on the server */
  hostKeySha256: string;
  /** The private key this machine logs in with (read at deploy time, never copied). */
  privateKeyFile: string;
}

const servers: Server[] = JSON.parse(fs.readFileSync('hosts.json', 'utf8'));
const app = new App();
const stack = new TerraformStack(app, 'failover');
new LocalBackend(stack, { path: 'terraform.failover.tfstate' });

new HostSteps(stack, 'FirstSteps', {
  steps: servers.map((s) => ({
    id: `hello-${s.name}`,
    description: `first step on ${s.name}`,
    host: {
      name: s.name,
      address: s.address,
      ...(s.port ? { port: s.port } : {}),
      user: s.user,
      hostKeySha256: s.hostKeySha256,
      credentials: SshCredentials.privateKeyFile(s.privateKeyFile),
    },
    actions: [
      {
        kind: 'file' as const,
        path: '/etc/cdktf-failover-hello',
        content: `managed by cdktf-failover on ${s.name}\n`,
      },
    ],
  })),
});
app.synth();
