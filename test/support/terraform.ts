import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Construct } from 'constructs';
import { App, LocalBackend, TerraformStack } from '../../src/cdktf';
import { ENGINE_CONTEXT_KEY, StepEngine } from '../../src/engine/step-resources';
import type { StepReport } from '../../src/runner/execute-step';
import { REPORT_FILE_ENV } from '../../src/step';

export interface SynthOptions {
  readonly engine?: StepEngine;
  readonly outdir?: string;
  readonly stackName?: string;
}

/** Synthesizes one stack in-process and returns its folder (what `cdktf synth` writes). */
export function synthStack(build: (stack: TerraformStack) => void, options: SynthOptions = {}): string {
  const outdir = options.outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'failover-synth-'));
  const stackName = options.stackName ?? 'test';
  const app = new App({ outdir, context: { [ENGINE_CONTEXT_KEY]: options.engine ?? 'terraform_data' } });
  const stack = new TerraformStack(app as Construct, stackName);
  // State beside the configuration: each synthesized folder is its own deployment.
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  build(stack);
  app.synth();
  return path.join(outdir, 'stacks', stackName);
}

export interface TerraformRun {
  readonly code: number;
  readonly output: string;
  /** The step reports the runner wrote during this run. */
  readonly reports: StepReport[];
}

function requireTerraform(): void {
  if (spawnSync('terraform', ['version'], { encoding: 'utf8' }).status !== 0) {
    throw new Error(
      'terraform is not on PATH: install the terraform CLI (>= 1.4) to run the end-to-end tests and the demo.',
    );
  }
}

/**
 * Runs terraform in a synthesized stack folder. The runner appends each step report to a file we
 * hand it, so tests assert on outcomes rather than on console text.
 */
export function terraform(
  stackDir: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; echo?: boolean; timeoutMs?: number } = {},
): Promise<TerraformRun> {
  requireTerraform();
  const reportFile = path.join(stackDir, `.reports-${process.pid}-${Date.now()}.jsonl`);
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', [...args], {
      cwd: stackDir,
      env: {
        ...process.env,
        ...options.env,
        TF_IN_AUTOMATION: '1',
        CHECKPOINT_DISABLE: '1',
        [REPORT_FILE_ENV]: reportFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (options.echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const reports = fs.existsSync(reportFile)
        ? fs
            .readFileSync(reportFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as StepReport)
        : [];
      fs.rmSync(reportFile, { force: true });
      resolve({ code: code ?? -1, output, reports });
    });
  });
}

export async function init(stackDir: string): Promise<void> {
  const run = await terraform(stackDir, ['init', '-input=false', '-no-color']);
  if (run.code !== 0) throw new Error(`terraform init failed in ${stackDir}:\n${run.output}`);
}

export function apply(
  stackDir: string,
  options: { env?: NodeJS.ProcessEnv; echo?: boolean; extraArgs?: string[] } = {},
) {
  return terraform(
    stackDir,
    ['apply', '-auto-approve', '-input=false', '-no-color', ...(options.extraArgs ?? [])],
    options,
  );
}

export function destroy(stackDir: string, options: { env?: NodeJS.ProcessEnv; echo?: boolean } = {}) {
  return terraform(stackDir, ['destroy', '-auto-approve', '-input=false', '-no-color'], options);
}

/** The addresses of the step resources in the state, for `-replace`. */
export async function stateResources(stackDir: string): Promise<string[]> {
  const run = await terraform(stackDir, ['state', 'list']);
  return run.output.split('\n').filter((l) => /^(terraform_data|null_resource)\./.test(l));
}

/** Awaits a terraform run and prints how long it took: figures for the log, never asserted. */
export async function timed(what: string, run: Promise<TerraformRun>): Promise<TerraformRun> {
  const started = Date.now();
  const result = await run;
  console.log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}
