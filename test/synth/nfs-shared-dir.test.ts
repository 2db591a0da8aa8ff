import { infosUnder, warningsUnder } from '../support/warnings';
import { engineCases } from '../support/engine-cases';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { TerraformResource, TerraformStack, Testing } from '../../src/cdktf';
import { NfsSharedDir, NfsSharedDirProps, ValidationError } from '../../index';
import { ENGINE_CONTEXT_KEY } from '../../src/engine/step-resources';
import { addDataAggregatorSharedDir } from '../../examples/nfs-shared-dir-example';
import { synthStack } from '../support/terraform';
import { synthHost } from '../support/synth-hosts';

const host = synthHost;

const props = (extra: Partial<NfsSharedDirProps> = {}): NfsSharedDirProps => ({
  serverHost: host('nfs', '10.0.0.10'),
  exportPath: '/srv/da-shared',
  mountPath: '/DASharedRepo',
  clients: [host('da1', '10.0.0.11'), host('da2', '10.0.0.12')],
  owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
  removalPolicy: 'unmount',
  ...extra,
});

function synth(engine: 'null_resource' | 'terraform_data', extra: Partial<NfsSharedDirProps> = {}) {
  const app = Testing.app({ context: { [ENGINE_CONTEXT_KEY]: engine } });
  const stack = new TerraformStack(app, 'test');
  const shared = new NfsSharedDir(stack, 'Shared', props(extra));
  return { json: JSON.parse(Testing.synth(stack)), shared, stack };
}

/** Resource name → step id, for a step of the construct `Shared`. */
const stepIdOf = (name: string) => /^Shared_Steps_(.+)_[0-9A-F]+$/.exec(name)![1];

describe.each(
  engineCases([
    ['null_resource', 'triggers'],
    ['terraform_data', 'triggers_replace'],
  ] as const),
)('NfsSharedDir on the %s engine', (engine, triggerKey) => {
  const { json } = synth(engine);
  const resources = Object.entries(json.resource[engine]) as [string, any][];
  const byStep = new Map(
    resources.map(([name, r]) => [stepIdOf(name), { name, r, spec: JSON.parse(r[triggerKey].spec) }]),
  );
  const dependsOn = (id: string) =>
    (byStep.get(id)!.r.depends_on ?? []).map((ref: string) => stepIdOf(ref.slice(engine.length + 1))).sort();

  it('emits one resource per step', () => {
    expect([...byStep.keys()].sort()).toEqual([
      'client-da1',
      'client-da2',
      'preflight',
      'server',
      'unmount-da1',
      'unmount-da2',
      'verify',
    ]);
  });

  it('orders the steps: preflight before everything, server before clients, verification last', () => {
    expect(dependsOn('preflight')).toEqual([]);
    expect(dependsOn('server')).toEqual(['preflight']);
    expect(dependsOn('client-da1')).toEqual(['preflight', 'server']);
    expect(dependsOn('client-da2')).toEqual(['preflight', 'server']);
    expect(dependsOn('verify')).toEqual(['client-da1', 'client-da2']);
    expect(dependsOn('unmount-da1')).toEqual(['client-da1']);
  });

  it("carries each step's host and actions in its spec", () => {
    expect(byStep.get('server')!.spec).toMatchObject({
      id: 'server',
      host: { name: 'nfs', address: '10.0.0.10' },
      when: 'create',
    });
    expect(byStep.get('client-da2')!.spec.actions.map((a: { kind: string }) => a.kind)).toEqual([
      'command',
      'command',
      'command',
      'line',
      'nfs-shared-dir.mount',
    ]);
    expect(byStep.get('client-da2')!.spec.actions[3].line).toBe(
      '10.0.0.10:/srv/da-shared /DASharedRepo nfs4 vers=4.1,hard,proto=tcp,_netdev 0 0',
    );
    expect(byStep.get('verify')!.spec.actions[0].kind).toBe('nfs-shared-dir.verify');
  });

  it('runs the unmount steps at destroy time only', () => {
    expect(byStep.get('unmount-da1')!.r.provisioner[0]['local-exec'].when).toBe('destroy');
    expect(byStep.get('verify')!.r.provisioner[0]['local-exec'].when).toBeUndefined();
  });

  it('keeps credentials as references', () => {
    expect(JSON.stringify(byStep.get('preflight')!.spec)).toContain(
      '"credentials":{"kind":"privateKeyEnv","env":"DEPLOY_SSH_KEY"}',
    );
  });
});

describe('NfsSharedDir attributes, changes and warnings', () => {
  it('exposes the mount path, the export and the owner IDs for composite constructs', () => {
    const { shared } = synth('terraform_data');
    expect(shared).toMatchObject({
      mountPath: '/DASharedRepo',
      exportSource: '10.0.0.10:/srv/da-shared',
      exportPath: '/srv/da-shared',
      ownerUser: 'dauser',
      ownerUid: 4500,
      ownerGroup: 'dauser',
      ownerGid: 4500,
      nfsVersion: '4.1',
    });
    expect(shared.steps.map((s) => s.id)).toContain('verify');
    const ready = shared.ready as TerraformResource;
    expect([ready.terraformResourceType, ready.friendlyUniqueId]).toEqual([
      'terraform_data',
      expect.stringMatching(/^Shared_Steps_verify_[0-9A-F]+$/),
    ]);
  });

  it('re-runs the clients and the verification, not the preflight, when only a mount option changes', () => {
    const specs = (json: any) =>
      Object.fromEntries(
        Object.entries(json.resource.terraform_data).map(([name, r]: [string, any]) => [
          stepIdOf(name),
          r.triggers_replace.spec,
        ]),
      );
    const before = specs(synth('terraform_data').json);
    const after = specs(synth('terraform_data', { mountOptions: ['noatime'] }).json);
    const changed = Object.keys(before)
      .filter((id) => before[id] !== after[id])
      .sort();
    expect(changed).toEqual(['client-da1', 'client-da2', 'unmount-da1', 'unmount-da2', 'verify']);
  });

  it('warns about async and no_root_squash exports and a single client', () => {
    const { stack } = synth('terraform_data', {
      exportOptions: ['rw', 'async', 'no_root_squash'],
      clients: [host('da1', '10.0.0.11')],
    });
    const warnings = warningsUnder(stack);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^\[NFS-EXPORT-ASYNC\] exportOptions include async: .*Prefer sync\. To accept it, acknowledge \{ id: "NFS-EXPORT-ASYNC", reason \} in this construct's acknowledge prop\.$/,
      ),
      expect.stringMatching(
        /^\[NFS-EXPORT-NO-ROOT-SQUASH\] exportOptions include no_root_squash: .*Prefer root_squash/,
      ),
      `[NFS-ONE-CLIENT] The shared directory has one client: a failover pair needs the share on both hosts. Add the second host to clients. To accept it, acknowledge { id: "NFS-ONE-CLIENT", reason } in this construct's acknowledge prop.`,
    ]);
  });

  it('turns an acknowledged rule into a note with its reason, and refuses an id it does not have', () => {
    const { stack } = synth('terraform_data', {
      exportOptions: ['rw', 'async'],
      acknowledge: [{ id: 'NFS-EXPORT-ASYNC', reason: 'the NAS has a battery-backed write cache' }],
    });
    expect(warningsUnder(stack).join('\n')).not.toContain('NFS-EXPORT-ASYNC');
    expect(infosUnder(stack)).toEqual([
      expect.stringMatching(
        /^\[NFS-EXPORT-ASYNC\] exportOptions include async: .*Prefer sync \(acknowledged: the NAS has a battery-backed write cache\)$/,
      ),
    ]);
    const app = Testing.app();
    const bad = new TerraformStack(app, 'bad');
    new NfsSharedDir(
      bad,
      'Shared',
      props({ acknowledge: [{ id: 'NFS-NO-SUCH-RULE', reason: 'a reason long enough' }] }),
    );
    expect(() => Testing.synth(bad)).toThrow(
      /Shared:\n\s+- acknowledge: received "NFS-NO-SUCH-RULE"; expected the id of a rule of this construct: NFS-EXPORT-ASYNC, NFS-EXPORT-NO-ROOT-SQUASH, NFS-ONE-CLIENT/,
    );
  });

  it('throws one ValidationError naming the construct, each property, the value and the fix', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'test');
    let error: ValidationError | undefined;
    try {
      new NfsSharedDir(
        stack,
        'Bad',
        props({
          nfsVersion: '3' as never,
          mountOptions: ['local_lock=all'],
          owner: { user: 'dauser', uid: 0, group: 'dauser', gid: 4500 },
        }),
      );
      app.synth();
    } catch (e) {
      error = e as ValidationError;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.problems.map((p) => [p.propertyPath, p.received])).toEqual([
      ['owner.uid', '0'],
      ['nfsVersion', '"3"'],
      ['mountOptions[0]', '"local_lock=all"'],
    ]);
    expect(error!.message).toContain('test/Bad:');
    expect(error!.message).toContain(
      'nfsVersion: received "3"; NFS versions below 4 are rejected because ActiveMQ KahaDB',
    );
  });
});

describe('the example stack', () => {
  it("synthesizes a data aggregator pair's shared directory that passes terraform validate", () => {
    const stackDir = synthStack((s) => addDataAggregatorSharedDir(s), { engine: 'terraform_data' });
    execFileSync('terraform', ['init', '-input=false', '-no-color', '-backend=false'], {
      cwd: stackDir,
      stdio: 'pipe',
    });
    const out = execFileSync('terraform', ['validate', '-no-color'], { cwd: stackDir, encoding: 'utf8' });
    expect(out).toContain('Success! The configuration is valid.');
    expect(path.basename(stackDir)).toBe('test');
  });
});
