import { createHash } from 'node:crypto';
import { nodeCommandOf, runnerCommand } from './runner-command';
import { Construct } from 'constructs';
import { dependable as dependsOnReference, ITerraformDependable, TerraformResource } from '../cdktf';
import { FLAVOUR } from '../flavour';
import { HOST_UNPINNED_KEY, reportFinding, RuleAcknowledgement } from '../rules';
import { nullStepResource } from './null-engine';
import { hostLabel } from '../schema/host';
import { isToken } from '../schema/token';
import { orderSteps, Step, STEP_SPEC_ENV, toStepSpec } from '../step';
import { recordDependency, recordStep } from './host-order';
import { runnerAsset } from './runner-asset';
import { refuseOversizedSpecs } from './spec-size';
import { StepDataResource } from './step-data-resource';

/** App context key choosing the resource type each step becomes. */
export const ENGINE_CONTEXT_KEY = 'cdktf-failover:engine';
export { NODE_CONTEXT_KEY } from './runner-command';

/**
 * `null_resource` needs the hashicorp/null provider; `terraform_data` is built into Terraform
 * 1.4+ and needs no provider download (air-gapped pipelines).
 */
export type StepEngine = 'null_resource' | 'terraform_data';

export interface StepResourcesProps {
  readonly steps: readonly Step[];
  /**
   * Steps of another construct that this set's steps run after (a composite construct's parts):
   * their specs join every step's replacement trigger, so a change there re-runs the checks here.
   * The ordering itself is `runAfter`.
   * @default none
   */
  readonly follows?: readonly Step[];
  /** The owning construct's acknowledged advice (HOST-UNPINNED-KEY among it). @default none */
  readonly acknowledge?: readonly RuleAcknowledgement[];
}

export function stepEngineOf(scope: Construct): StepEngine {
  const value: unknown = scope.node.tryGetContext(ENGINE_CONTEXT_KEY) ?? FLAVOUR.defaultEngine;
  const engines: readonly unknown[] = FLAVOUR.engines;
  if (!engines.includes(value)) {
    throw new Error(
      value === 'null_resource'
        ? `App context "${ENGINE_CONTEXT_KEY}" is "null_resource", which ${FLAVOUR.packageName} cannot emit (no provider-null is published for ${FLAVOUR.framework}); expected "terraform_data", which needs no provider.`
        : `App context "${ENGINE_CONTEXT_KEY}" is ${JSON.stringify(value)}; expected ${FLAVOUR.engines.map((e) => `"${e}"`).join(' or ')}.`,
    );
  }
  return value as StepEngine;
}

/**
 * Emits one Terraform resource per step. The step spec is the resource's replacement trigger, so
 * a changed prop re-runs exactly the steps whose spec changed; a `local-exec` provisioner runs the
 * bundled runner with the spec read from `self`, which is all a destroy-time provisioner may read.
 */
export class StepResources extends Construct {
  /** The resource of each step, by step id. */
  public readonly resources: ReadonlyMap<string, TerraformResource>;

  constructor(scope: Construct, id: string, props: StepResourcesProps) {
    super(scope, id);
    const engine = stepEngineOf(this);
    const nodeCommand = nodeCommandOf(this);
    const runnerPath = runnerAsset(this).path;

    const resources = new Map<string, TerraformResource>();
    const ordered = orderSteps(props.steps);
    const specs = specsOf(ordered);
    refuseOversizedSpecs(this, props.steps, specs);
    const upstream = upstreamDigests(ordered, specs);
    const followedSpecs = specsOf(props.follows ?? []);
    const followed = followedSpecs.size > 0 ? digestOf([...followedSpecs.keys()], followedSpecs) : undefined;
    for (const step of ordered) {
      const spec = escapeTemplateSequences(specs.get(step.id)!);
      // Beside the spec: what the step follows. A changed step re-runs every step after it.
      // `set` and `rerun` let `cdktf-failover repair` re-run a construct's preflight with any step.
      const triggers = {
        spec,
        upstream: upstream.get(step.id)!,
        ...(followed ? { follows: followed } : {}),
        set: this.node.path,
        ...(step.rerunsWithAnyStep ? { rerun: 'with-any-step' } : {}),
      };
      const selfSpec = engine === 'null_resource' ? 'self.triggers.spec' : 'self.triggers_replace.spec';
      const provisioner = {
        type: 'local-exec' as const,
        command: runnerCommand(nodeCommand, runnerPath),
        environment: { [STEP_SPEC_ENV]: `\${${selfSpec}}` },
        ...(step.when === 'destroy' ? { when: 'destroy' as const } : {}),
      };
      const ordering =
        step.after.length > 0 ? { dependsOn: step.after.map((dep) => resources.get(dep)!) } : {};
      const resource =
        engine === 'null_resource'
          ? nullStepResource(this, step.id, { triggers, provisioners: [provisioner], ...ordering })
          : new StepDataResource(this, step.id, {
              triggersReplace: triggers,
              provisioners: [provisioner],
              ...ordering,
            });
      resources.set(step.id, resource);
      // Steps of one host run in one order across the stack (see host-order.ts); a spec with a
      // Token may reference other resources, and a destroy step runs in reverse: both stay out.
      const takesPart = step.when === 'create' && !isToken(specs.get(step.id));
      recordStep(
        resource,
        takesPart ? `${step.host.address}:${step.host.port}` : undefined,
        step.after.map((dep) => resources.get(dep)!),
      );
    }
    this.resources = resources;
    this.roots = ordered.filter((s) => s.after.length === 0 && s.when === 'create').map((s) => s.id);
    warnAboutUnpinnedHosts(this, props.steps, props.acknowledge ?? []);
  }

  private readonly roots: readonly string[];

  /**
   * Runs the first steps of this set (those that follow no other step) after `dependable`: how a
   * composite construct puts a part's steps at their place in its own order.
   */
  runAfter(dependable: ITerraformDependable): void {
    for (const id of this.roots) this.addDependency(id, dependable);
  }

  /** Runs one step after `dependable` as well as after its own dependencies. */
  addDependency(stepId: string, dependable: ITerraformDependable): void {
    const resource = this.resources.get(stepId)!;
    resource.dependsOn = [...(resource.dependsOn ?? []), dependsOnReference(dependable)];
    recordDependency(resource, dependable);
  }
}

/** One digest of the specs of these steps, in this order. */
function digestOf(ids: readonly string[], specs: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  for (const id of ids) hash.update(`${id}\n${specs.get(id)}\n`);
  return hash.digest('hex').slice(0, 32);
}

/** Each step's spec as JSON, by id: serialized once, for the trigger and for the digests. */
function specsOf(ordered: readonly Step[]): Map<string, string> {
  return new Map(ordered.map((s) => [s.id, JSON.stringify(toStepSpec(s))]));
}

/**
 * For each step, a digest of the specs it must run again with: every step it comes after,
 * transitively, and for a step that reruns with any step, every other step of the set. Folded into
 * the replacement trigger, so the Terraform plan replaces exactly those steps; done once here
 * rather than in each construct.
 */
export function upstreamDigests(
  ordered: readonly Step[],
  specs: ReadonlyMap<string, string> = specsOf(ordered),
): Map<string, string> {
  const position = new Map(ordered.map((s, i) => [s.id, i]));
  const ancestors = new Map<string, Set<string>>();
  for (const step of ordered) {
    const all = new Set<string>();
    for (const dep of step.after) {
      all.add(dep);
      for (const a of ancestors.get(dep) ?? []) all.add(a);
    }
    ancestors.set(step.id, all);
  }
  const digests = new Map<string, string>();
  for (const step of ordered) {
    const ids = step.rerunsWithAnyStep
      ? ordered.filter((s) => s.id !== step.id && s.when === step.when).map((s) => s.id)
      : [...ancestors.get(step.id)!].sort((a, b) => position.get(a)! - position.get(b)!);
    digests.set(step.id, ids.length === 0 ? '' : digestOf(ids, specs));
  }
  return digests;
}

/**
 * Terraform evaluates `${...}` and `%{...}` inside every string of the configuration, so a user's
 * `${HOME}` in a file's content would become a Terraform expression. `$${` and `%%{` are their
 * literal forms; cdktf's own Token markers stay, as Terraform must resolve those.
 */
export function escapeTemplateSequences(text: string): string {
  return text.replace(/\$\{(?!TfToken\[)/g, () => '$${').replace(/%\{/g, () => '%%{');
}

function warnAboutUnpinnedHosts(
  scope: Construct,
  steps: readonly Step[],
  acknowledge: readonly RuleAcknowledgement[],
): void {
  const acknowledged = new Map(acknowledge.map((a) => [a.id, a.reason]));
  const warned = new Set<string>();
  for (const step of steps) {
    for (let host = step.host; host; host = host.bastion!) {
      const label = hostLabel(host);
      if (host.acceptUnknownHostKey && !warned.has(label)) {
        warned.add(label);
        reportFinding(
          scope.node.scope ?? scope,
          {
            ruleId: HOST_UNPINNED_KEY,
            message: `Host ${label}: acceptUnknownHostKey is true, so any machine answering at ${host.address}:${host.port} receives the SSH credentials. Pin hostKeySha256 (ssh-keygen -lf on the host's public key)`,
          },
          acknowledged,
        );
      }
    }
  }
}
