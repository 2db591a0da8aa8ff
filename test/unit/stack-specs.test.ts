import { stepsOfStack } from '../../src/runner/stack-specs';

const exec = (spec: string, when?: string) => [
  {
    'local-exec': {
      command: 'node runner.cjs',
      environment: { CDKTF_FAILOVER_STEP: spec },
      ...(when ? { when } : {}),
    },
  },
];

describe('reading step specs back from a synthesized stack', () => {
  const config = {
    resource: {
      terraform_data: {
        b: {
          triggers_replace: { spec: '{"id":"b","content":"$${HOME} %%{x}"}' },
          depends_on: ['terraform_data.a'],
          provisioner: exec('${self.triggers_replace.spec}'),
        },
        a: { triggers_replace: { spec: '{"id":"a"}' }, provisioner: exec('${self.triggers_replace.spec}') },
        token: {
          triggers_replace: { spec: '{"address":"${aws_instance.x.ip}"}' },
          provisioner: exec('${self.triggers_replace.spec}'),
        },
        gone: {
          triggers_replace: { spec: '{"id":"gone"}' },
          provisioner: exec('${self.triggers_replace.spec}', 'destroy'),
        },
        unrelated: { input: { x: 1 } },
      },
    },
  };

  it('orders steps by their dependencies and restores literal text', () => {
    const steps = stepsOfStack(config);
    expect(steps.map((s) => s.resource)).toEqual([
      'terraform_data.a',
      'terraform_data.b',
      'terraform_data.token',
      'terraform_data.gone',
    ]);
    expect(steps[1].spec).toBe('{"id":"b","content":"${HOME} %{x}"}');
  });

  it('leaves out the spec of a step whose values are known only at apply time, and marks destroy-time steps', () => {
    const steps = stepsOfStack(config);
    expect(steps[2].spec).toBeUndefined();
    expect(steps[3].destroyTime).toBe(true);
  });
});
