import { STEP_SPEC_ENV } from '../step';

/**
 * Reads the step specs back out of a synthesized stack (cdk.tf.json), in dependency order, so the
 * runner can check a whole stack without Terraform: a dry run before a maintenance window.
 */
export interface StackStep {
  readonly resource: string;
  /** The spec as Terraform will hand it over, or undefined when it holds values known only at apply time. */
  readonly spec?: string;
  readonly destroyTime: boolean;
}

interface ResourceJson {
  readonly triggers?: { spec?: string };
  readonly triggers_replace?: { spec?: string };
  readonly depends_on?: readonly string[];
  readonly provisioner?: readonly {
    'local-exec'?: { environment?: Record<string, string>; when?: string };
  }[];
}

/** Terraform's literal forms `$${` and `%%{` back to text; a remaining `${` is an expression. */
function literalSpec(raw: string): string | undefined {
  const withoutLiterals = raw.replace(/\$\$\{/g, '').replace(/%%\{/g, '');
  if (/\$\{|%\{/.test(withoutLiterals)) return undefined;
  return raw.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

export function stepsOfStack(config: { resource?: Record<string, Record<string, unknown>> }): StackStep[] {
  const byAddress = new Map<string, ResourceJson>();
  for (const type of ['null_resource', 'terraform_data']) {
    for (const [name, value] of Object.entries(config.resource?.[type] ?? {})) {
      const resource = value as ResourceJson;
      const exec = resource.provisioner?.[0]?.['local-exec'];
      if (exec?.environment?.[STEP_SPEC_ENV] !== undefined) byAddress.set(`${type}.${name}`, resource);
    }
  }
  const ordered: StackStep[] = [];
  const done = new Set<string>();
  const visit = (address: string) => {
    if (done.has(address)) return;
    done.add(address);
    const resource = byAddress.get(address)!;
    for (const dep of resource.depends_on ?? []) if (byAddress.has(dep)) visit(dep);
    const raw = resource.triggers?.spec ?? resource.triggers_replace?.spec ?? '';
    const spec = literalSpec(raw);
    ordered.push({
      resource: address,
      ...(spec !== undefined ? { spec } : {}),
      destroyTime: resource.provisioner?.[0]?.['local-exec']?.when === 'destroy',
    });
  };
  for (const address of byAddress.keys()) visit(address);
  return ordered;
}
