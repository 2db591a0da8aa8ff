import { warningsUnder } from '../support/warnings';
import { engineCases, FLAVOUR } from '../support/engine-cases';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DataResource, Testing, TerraformStack, Token } from '../../src/cdktf';
import { HostSteps, HostStepsProps, ValidationError } from '../../index';
import { ENGINE_CONTEXT_KEY } from '../../src/engine/step-resources';
import { synthStack } from '../support/terraform';
import { synthHost } from '../support/synth-hosts';

const host = synthHost;

const props = (): HostStepsProps => ({
  steps: [
    {
      id: 'first',
      description: 'first step',
      host: host('a', '10.0.0.11'),
      actions: [{ kind: 'file', path: '/etc/x', content: 'literal ${HOME} and %{ if } stay text\n' }],
    },
    {
      id: 'second',
      description: 'second step',
      host: host('b', '10.0.0.12'),
      after: ['first'],
      actions: [{ kind: 'command', description: 'noop', run: { argv: ['true'] } }],
    },
    {
      id: 'cleanup',
      description: 'removal',
      host: host('b', '10.0.0.12'),
      when: 'destroy',
      actions: [{ kind: 'line', path: '/etc/fstab', line: '', match: 'x', state: 'absent' }],
    },
  ],
});

function synthJson(
  engine?: 'null_resource' | 'terraform_data',
  build: (s: TerraformStack) => unknown = (s) => new HostSteps(s, 'Demo', props()),
) {
  const app = Testing.app({ context: engine ? { [ENGINE_CONTEXT_KEY]: engine } : {} });
  const stack = new TerraformStack(app, 'test');
  build(stack);
  return JSON.parse(Testing.synth(stack));
}

const resourcesOf = (json: any, type: string) => Object.values(json.resource?.[type] ?? {}) as any[];
/** The resource of a step, by step id (Terraform JSON orders resources by name, not by plan). */
const stepResource = (json: any, type: string, id: string) =>
  Object.entries(json.resource[type]).find(([name]) => name.startsWith(`Demo_Steps_${id}_`))![1] as any;

describe.each(
  engineCases([
    ['null_resource', 'triggers', 'self.triggers.spec'],
    ['terraform_data', 'triggers_replace', 'self.triggers_replace.spec'],
  ] as const),
)('the %s engine', (engine, triggerKey, selfRef) => {
  const json = synthJson(engine);
  const resources = resourcesOf(json, engine);
  const [first, second, cleanup] = ['first', 'second', 'cleanup'].map((id) => stepResource(json, engine, id));

  it('emits one resource per step, carrying its spec as the replacement trigger', () => {
    expect(resources).toHaveLength(3);
    const spec = JSON.parse(first[triggerKey].spec.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{'));
    expect(spec).toMatchObject({
      specVersion: 1,
      id: 'first',
      host: { address: '10.0.0.11', port: 22, os: 'linux' },
    });
    expect(spec.actions[0].content).toBe('literal ${HOME} and %{ if } stay text\n');
  });

  it('escapes template sequences so Terraform keeps user text literal', () => {
    expect(first[triggerKey].spec).toContain('literal $${HOME} and %%{ if }');
  });

  it('runs the bundled runner from the stack folder with the spec read from self', () => {
    const exec = first.provisioner[0]['local-exec'];
    expect(exec.command).toMatch(
      /^command -v node >\/dev\/null 2>&1 \|\| \{ echo "cdktf-failover: the step runner needs Node\.js 20 or later where terraform runs, [^"]*" >&2; exit 127; \}; exec node "\$\{path\.module\}\/assets\/FailoverRunner\/[0-9A-F]+\/runner\.cjs"$/,
    );
    expect(exec.environment).toEqual({ CDKTF_FAILOVER_STEP: `\${${selfRef}}` });
    expect(exec.when).toBeUndefined();
  });

  it('orders steps with depends_on and makes destroy steps destroy-time provisioners', () => {
    expect(second.depends_on).toEqual([
      expect.stringMatching(new RegExp(`^${engine}\\.Demo_Steps_first_[0-9A-F]+$`)),
    ]);
    expect(first.depends_on).toBeUndefined();
    expect(cleanup.provisioner[0]['local-exec'].when).toBe('destroy');
  });

  it(engine === 'null_resource' ? 'declares the null provider' : 'needs no provider at all', () => {
    if (engine === 'null_resource') expect(json.provider).toHaveProperty('null');
    else expect(json.provider).toBeUndefined();
  });
});

describe('engine selection', () => {
  it(`synthesizes with ${FLAVOUR.framework}, the flavour's framework`, () => {
    expect(require.resolve('cdktf')).toContain(
      FLAVOUR.framework === 'cdktn' ? '/.flavours/cdktn/node_modules/cdktn/' : '/node_modules/cdktf/',
    );
    expect(require.resolve('constructs')).toContain(
      FLAVOUR.framework === 'cdktn'
        ? '/.flavours/cdktn/node_modules/constructs/'
        : '/node_modules/constructs/',
    );
  });

  it(`defaults to ${FLAVOUR.defaultEngine} and rejects an unknown engine naming the context key`, () => {
    expect(resourcesOf(synthJson(undefined), FLAVOUR.defaultEngine)).toHaveLength(3);
    expect(() => synthJson('bogus' as never)).toThrow(
      FLAVOUR.framework === 'cdktf'
        ? /App context "cdktf-failover:engine" is "bogus"; expected "null_resource" or "terraform_data"/
        : /App context "cdktf-failover:engine" is "bogus"; expected "terraform_data"/,
    );
  });

  it(`${FLAVOUR.framework === 'cdktf' ? 'emits' : 'refuses'} null_resource in the ${FLAVOUR.framework} flavour`, () => {
    if (FLAVOUR.framework === 'cdktf')
      expect(resourcesOf(synthJson('null_resource'), 'null_resource')).toHaveLength(3);
    else
      expect(() => synthJson('null_resource')).toThrow(
        'App context "cdktf-failover:engine" is "null_resource", which cdktn-failover cannot emit (no provider-null is published for cdktn); expected "terraform_data", which needs no provider.',
      );
  });

  it('a changed prop changes the trigger of exactly the affected step', () => {
    const specs = (json: any) =>
      ['first', 'second', 'cleanup'].map(
        (id) => stepResource(json, 'terraform_data', id).triggers_replace.spec,
      );
    const before = specs(synthJson('terraform_data'));
    const changed = props();
    (changed.steps[1].actions as any)[0].run = { argv: ['true', '--changed'] };
    const after = specs(synthJson('terraform_data', (s) => new HostSteps(s, 'Demo', changed)));
    expect(after.map((spec, i) => spec === before[i])).toEqual([true, false, true]);
  });
});

describe('tokens', () => {
  it('passes an address Token through to Terraform and skips its format check', () => {
    const json = synthJson('terraform_data', (s) => {
      const p = props();
      const database = new DataResource(s, 'db', { input: { ip: '10.0.0.99' } });
      const address = Token.asString(database.getStringAttribute('output'));
      new HostSteps(s, 'Demo', { steps: [{ ...p.steps[0], host: { ...p.steps[0].host, address } }] });
    });
    expect(stepResource(json, 'terraform_data', 'first').triggers_replace.spec).toContain(
      '"address":"${terraform_data.db.output}"',
    );
  });
});

describe('validation and warnings', () => {
  it('rejects bad steps with one error listing every problem', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'test');
    let error: ValidationError | undefined;
    try {
      new HostSteps(stack, 'Bad', {
        steps: [
          { id: 'Bad Id', description: 'x', host: { ...host('a', '10.0.0.1'), port: 70000 }, actions: [] },
          {
            id: 'ok',
            description: 'x',
            host: host('b', '10.0.0.2'),
            after: ['nope'],
            actions: [{ kind: 'command', description: 'x', run: { argv: [] } }],
          },
        ],
      });
      app.synth();
    } catch (e) {
      error = e as ValidationError;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.problems.map((p) => p.propertyPath)).toEqual([
      'steps[0].id',
      'steps[0].host.port',
      'steps[0].actions',
      'steps[1].actions[0].run.argv',
      'steps[1].after[0]',
    ]);
    expect(error!.message).toContain('test/Bad:');
  });

  it('warns when a host accepts unknown host keys', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'test');
    const { hostKeySha256: _k, ...unpinned } = host('a', '10.0.0.1');
    new HostSteps(stack, 'Loose', {
      steps: [
        {
          id: 'x',
          description: 'x',
          host: { ...unpinned, acceptUnknownHostKey: true },
          actions: [{ kind: 'command', description: 'x', run: { argv: ['true'] } }],
        },
      ],
    });
    expect(warningsUnder(stack)).toEqual([
      expect.stringMatching(/Host a: acceptUnknownHostKey is true.*Pin hostKeySha256/),
    ]);
  });
});

describe('the synthesized stack folder', () => {
  const SECRET = 'super-secret-key-material-4711';
  let stackDir: string;

  beforeAll(() => {
    process.env.DEPLOY_SSH_KEY = SECRET;
    stackDir = synthStack((s) => new HostSteps(s, 'Demo', props()), { engine: 'terraform_data' });
  });
  afterAll(() => delete process.env.DEPLOY_SSH_KEY);

  it('holds the runner bundle, and no secret value anywhere', () => {
    const files: string[] = [];
    const walk = (d: string) =>
      fs
        .readdirSync(d, { withFileTypes: true })
        .forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))));
    walk(path.dirname(path.dirname(stackDir)));
    expect(files.some((f) => /assets\/FailoverRunner\/[0-9A-F]+\/runner\.cjs$/.test(f))).toBe(true);
    for (const file of files) expect(fs.readFileSync(file, 'utf8').includes(SECRET)).toBe(false);
    expect(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')).toContain('DEPLOY_SSH_KEY');
  });

  it('passes terraform validate with no provider download', () => {
    execFileSync('terraform', ['init', '-input=false', '-no-color', '-backend=false'], {
      cwd: stackDir,
      stdio: 'pipe',
    });
    const out = execFileSync('terraform', ['validate', '-no-color'], { cwd: stackDir, encoding: 'utf8' });
    expect(out).toContain('Success! The configuration is valid.');
  });

  it('runs its runner with node alone: no node_modules next to it', () => {
    const runner = fs.readdirSync(path.join(stackDir, 'assets', 'FailoverRunner'))[0];
    const bundle = path.join(stackDir, 'assets', 'FailoverRunner', runner, 'runner.cjs');
    const isolated = fs.mkdtempSync('/tmp/failover-isolated-');
    fs.copyFileSync(bundle, path.join(isolated, 'runner.cjs'));
    let stderr = '';
    try {
      execFileSync('node', [path.join(isolated, 'runner.cjs')], {
        cwd: isolated,
        env: { PATH: process.env.PATH },
        stdio: 'pipe',
      });
    } catch (e) {
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain('no step spec: set CDKTF_FAILOVER_STEP or pass --spec-file FILE');
  });
});

describe('where terraform runs without Node.js', () => {
  const commandOf = (context: Record<string, unknown> = {}) => {
    const app = Testing.app({ context: { [ENGINE_CONTEXT_KEY]: 'terraform_data', ...context } });
    const stack = new TerraformStack(app, 'test');
    new HostSteps(stack, 'Demo', props());
    const json = JSON.parse(Testing.synth(stack));
    return stepResource(json, 'terraform_data', 'first').provisioner[0]['local-exec'].command as string;
  };
  /** The provisioner's command as local-exec runs it: `/bin/sh -c`, after Terraform's interpolation. */
  const runAsLocalExec = (command: string, pathDirs: string) => {
    const started = process.hrtime.bigint();
    try {
      execFileSync('/bin/sh', ['-c', command.replace('${path.module}', '/nonexistent-stack')], {
        env: { PATH: pathDirs },
        stdio: 'pipe',
        encoding: 'utf8',
      });
      return { code: 0, stderr: '', ms: 0 };
    } catch (error) {
      const e = error as { status: number; stderr: string };
      return { code: e.status, stderr: e.stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    }
  };

  it('ends the step at once with one sentence: what is missing, where, and the fixes', () => {
    // A slim image: the usual tools, no Node.js.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-slim-'));
    fs.symlinkSync(
      execFileSync('/bin/sh', ['-c', 'command -v uname'], { encoding: 'utf8' }).trim(),
      path.join(bin, 'uname'),
    );
    const run = runAsLocalExec(commandOf(), bin);
    fs.rmSync(bin, { recursive: true, force: true });
    expect(run.code).toBe(127);
    expect(run.stderr).toBe(
      `cdktf-failover: the step runner needs Node.js 20 or later where terraform runs, and node is not found on this machine (${os.hostname()}): use a runner or agent image with Node.js 20+, run the workspace in local execution mode, or name the Node.js executable with the cdktf-failover:node context key\n`,
    );
    console.log(`missing Node.js reported in ${run.ms.toFixed(1)} ms`);
  });

  it('runs the Node.js the context key names, and refuses a value the shell would expand', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-node-'));
    try {
      const fake = path.join(dir, 'node20');
      fs.writeFileSync(fake, '#!/bin/sh\necho "ran with $1" >&2\nexit 3\n', { mode: 0o755 });
      const run = runAsLocalExec(commandOf({ 'cdktf-failover:node': fake }), '/usr/bin:/bin');
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        /^ran with \/nonexistent-stack\/assets\/FailoverRunner\/[0-9A-F]+\/runner\.cjs\n$/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => commandOf({ 'cdktf-failover:node': 'node; rm -rf /' })).toThrow(
      'App context "cdktf-failover:node" is "node; rm -rf /"; expected the Node.js executable',
    );
  });
});
