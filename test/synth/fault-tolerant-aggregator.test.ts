import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformResource, TerraformStack, Testing } from '../../src/cdktf';
import { FaultTolerantAggregator, NfsSharedDir, ValidationError } from '../../index';
import { ENGINE_CONTEXT_KEY } from '../../src/engine/step-resources';
import { addFaultTolerantAggregator } from '../../examples/fault-tolerant-aggregator-example';
import { validProps, testHost } from '../../constructs/fault-tolerant-aggregator/test-props';
import { synthStack } from '../support/terraform';
import { warningsUnder } from '../support/warnings';
import { engineCases, FLAVOUR } from '../support/engine-cases';

const SECRET = 'Sup3r-secret-DR-password';

function synth(engine: 'null_resource' | 'terraform_data') {
  const app = Testing.app({ context: { [ENGINE_CONTEXT_KEY]: engine } });
  const stack = new TerraformStack(app, 'test');
  const netOps = addFaultTolerantAggregator(stack);
  return { json: JSON.parse(Testing.synth(stack)), netOps, stack };
}

describe.each(engineCases([['null_resource'], ['terraform_data']] as const))(
  'FaultTolerantAggregator on the %s engine',
  (engine) => {
    process.env.DR_PASSWORD = SECRET;
    const { json } = synth(engine);
    const resources = json.resource[engine] as Record<string, { depends_on?: string[] }>;
    const named = (fragment: RegExp) => Object.keys(resources).find((n) => fragment.test(n))!;

    it('emits one resource per step of its own and of the shared directory it made', () => {
      const names = Object.keys(resources);
      for (const id of [
        'preflight',
        'data-repository',
        'proxy',
        'aggregator-active',
        'aggregator-inactive',
        'collector-dc1',
        'collector-dc2',
        'portal',
        'ports',
        'health',
        'https',
        'drill',
      ])
        expect(names.some((n) => n.startsWith(`NetOps_Steps_${id}_`))).toBe(true);
      for (const id of ['preflight', 'server', 'client-da1', 'client-da2', 'verify'])
        expect(names.some((n) => n.startsWith(`NetOps_SharedDirectory_Steps_${id}_`))).toBe(true);
    });

    it('is ready only after its last verification: the drill, which runs after HTTPS and health', () => {
      const { netOps } = synth(engine);
      expect(netOps.ready).toBeInstanceOf(TerraformResource);
      expect((netOps.ready as TerraformResource).node.id).toBe('drill');
    });

    it("puts the shared directory in the vendor's order: after the data repository, before the proxy", () => {
      const repository = named(/^NetOps_Steps_data-repository_/);
      const sharePreflight = named(/^NetOps_SharedDirectory_Steps_preflight_/);
      const shareVerify = named(/^NetOps_SharedDirectory_Steps_verify_/);
      expect(resources[sharePreflight].depends_on).toEqual([`${engine}.${repository}`]);
      expect(resources[named(/^NetOps_Steps_proxy_/)].depends_on).toEqual(
        expect.arrayContaining([`${engine}.${repository}`, `${engine}.${shareVerify}`]),
      );
    });

    it('holds no secret: the password is a variable name', () => {
      const text = JSON.stringify(json);
      expect(text).not.toContain(SECRET);
      expect(text).toContain('DR_PASSWORD');
    });
  },
);

test('a shared directory of NFS below 4 is refused with the KahaDB reason', () => {
  const stack = new TerraformStack(Testing.app(), 'nfs3');
  const props = validProps();
  new FaultTolerantAggregator(stack, 'NetOps', {
    ...props,
    sharedDirectory: { ...(props.sharedDirectory as object), nfsVersion: '3' } as never,
  });
  expect(() => Testing.synth(stack)).toThrow(ValidationError);
  expect(() => Testing.synth(stack)).toThrow(
    /NetOps\/SharedDirectory:\n\s+- nfsVersion: received "3"; NFS versions below 4 are rejected because .*KahaDB/,
  );
});

test('adopts an NfsSharedDir of the user, mounted on both aggregators', () => {
  const stack = new TerraformStack(Testing.app(), 'adopt');
  const props = validProps();
  const share = new NfsSharedDir(stack, 'Share', {
    existingExport: 'nas:/da-shared',
    mountPath: '/DASharedRepo',
    clients: [props.aggregators.active, props.aggregators.inactive],
    owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
  });
  const netOps = new FaultTolerantAggregator(stack, 'NetOps', { ...props, sharedDirectory: share });
  expect(netOps.sharedDirectory).toBe(share);
  const json = JSON.parse(Testing.synth(stack));
  const engine = FLAVOUR.defaultEngine;
  const proxy = Object.entries(json.resource[engine] as Record<string, { depends_on?: string[] }>).find(
    ([n]) => n.startsWith('NetOps_Steps_proxy_'),
  )![1];
  expect(proxy.depends_on!.some((d) => d.startsWith(`${engine}.Share_Steps_verify_`))).toBe(true);
});

test('one synth reports the problems of the construct and of its shared directory', () => {
  const stack = new TerraformStack(Testing.app(), 'both');
  const props = validProps();
  new FaultTolerantAggregator(stack, 'NetOps', {
    ...props,
    proxy: { ...props.proxy, host: testHost('proxy', '10.0.0.11') },
    sharedDirectory: { ...(props.sharedDirectory as object), mountPath: '/etc' } as never,
  });
  let error: ValidationError | undefined;
  try {
    Testing.synth(stack);
  } catch (e) {
    error = e as ValidationError;
  }
  expect(error?.problems.map((p) => `${p.constructPath} ${p.propertyPath}`).sort()).toEqual([
    'both/NetOps aggregators.active',
    'both/NetOps/SharedDirectory mountPath',
  ]);
});

test('warns when the response file would miss the password, the shared directory or the failover host', () => {
  const stack = new TerraformStack(Testing.app(), 'warn');
  const props = validProps();
  new FaultTolerantAggregator(stack, 'NetOps', {
    ...props,
    aggregators: { ...props.aggregators, installer: { path: '/opt/installers/installDA.bin' } },
    dataCollectors: { ...props.dataCollectors!, installer: { path: '/opt/installers/installDC.bin' } },
  });
  Testing.synth(stack);
  expect(warningsUnder(stack).join('\n')).toMatch(
    /keys\.databasePassword is not set[\s\S]*keys\.sharedDirectoryMountPath is not set[\s\S]*keys\.failoverHost is not set/,
  );
});

test('the synthesized example validates with terraform', () => {
  const dir = synthStack((stack) => addFaultTolerantAggregator(stack), { engine: 'terraform_data' });
  expect(fs.existsSync(path.join(dir, 'cdk.tf.json'))).toBe(true);
  execFileSync('terraform', ['init', '-backend=false', '-input=false'], { cwd: dir, stdio: 'pipe' });
  expect(execFileSync('terraform', ['validate', '-no-color'], { cwd: dir, encoding: 'utf8' })).toContain(
    'Success',
  );
});
