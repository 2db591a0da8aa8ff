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
  /** The construct's set of steps (its StepResources path). */
  readonly set?: string;
  /** Runs again whenever any step of its set runs (a preflight). */
  readonly rerunsWithAnyStep: boolean;
  /** Resource addresses this step runs after. */
  readonly after: readonly string[];
}

interface Triggers {
  spec?: string;
  set?: string;
  rerun?: string;
}

interface ResourceJson {
  readonly triggers?: Triggers;
  readonly triggers_replace?: Triggers;
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
    const triggers = resource.triggers ?? resource.triggers_replace ?? {};
    const spec = literalSpec(triggers.spec ?? '');
    ordered.push({
      resource: address,
      ...(spec !== undefined ? { spec } : {}),
      destroyTime: resource.provisioner?.[0]?.['local-exec']?.when === 'destroy',
      ...(triggers.set !== undefined ? { set: triggers.set } : {}),
      rerunsWithAnyStep: triggers.rerun === 'with-any-step',
      after: (resource.depends_on ?? []).filter((d) => byAddress.has(d)),
    });
  };
  for (const address of byAddress.keys()) visit(address);
  return ordered;
}

/**
 * What `terraform apply -replace=…` must name to repair drifted steps: the drifted ones, every
 * step that runs after them (they check or verify what those change), and the preflight of each
 * construct involved, which re-runs whenever any of its steps does. In stack order.
 */
export function stepsToReplace(steps: readonly StackStep[], drifted: ReadonlySet<string>): string[] {
  const chosen = new Set(drifted);
  for (const step of steps) if (step.after.some((a) => chosen.has(a))) chosen.add(step.resource);
  const sets = new Set(steps.filter((s) => chosen.has(s.resource) && s.set !== undefined).map((s) => s.set));
  for (const step of steps) if (step.rerunsWithAnyStep && sets.has(step.set)) chosen.add(step.resource);
  return steps.filter((s) => chosen.has(s.resource)).map((s) => s.resource);
}
