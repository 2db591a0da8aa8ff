/** Synthesizes one stack of N steps and prints time and memory as JSON (run in a fresh process per N). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, LocalBackend, TerraformStack } from '../../src/cdktf';
import { ENGINE_CONTEXT_KEY } from '../../src/engine/step-resources';
import { HostSteps, SshCredentials } from '../../index';

const steps = Number(process.argv[2]);
const engine = process.argv[3] ?? 'terraform_data';
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-bench-'));
const rssBefore = process.memoryUsage().rss;
const started = process.hrtime.bigint();
const app = new App({ outdir, context: { [ENGINE_CONTEXT_KEY]: engine } });
const stack = new TerraformStack(app, 'bench');
new LocalBackend(stack, { path: 'terraform.tfstate' });
new HostSteps(stack, 'Steps', {
  steps: Array.from({ length: steps }, (_, i) => ({
    id: `step-${i}`,
    description: `step ${i}`,
    host: {
      name: `host-${i % 50}`,
      address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      user: 'deploy',
      hostKeySha256: `SHA256:${'b'.repeat(43)}`,
      credentials: SshCredentials.agent(),
    },
    after: i > 0 && i % 10 !== 0 ? [`step-${i - 1}`] : [],
    actions: [
      { kind: 'line' as const, path: '/etc/fstab', line: `nas:/x${i} /mnt/x${i} nfs4 hard 0 0` },
      { kind: 'command' as const, description: 'noop', check: { argv: ['true'] }, run: { argv: ['true'] } },
    ],
  })),
});
app.synth();
const synthMs = Number(process.hrtime.bigint() - started) / 1e6;
console.log(
  JSON.stringify({
    steps,
    synthMs,
    rssBeforeMiB: rssBefore / 2 ** 20,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    stackDir: path.join(outdir, 'stacks', 'bench'),
  }),
);
