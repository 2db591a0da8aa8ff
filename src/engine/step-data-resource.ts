import type { Construct } from 'constructs';
import {
  anyToHclTerraform,
  anyToTerraform,
  hashMapper,
  hashMapperHcl,
  ITerraformDependable,
  LocalExecProvisioner,
  TerraformResource,
} from '../cdktf';

export interface StepDataResourceConfig {
  readonly triggersReplace: Readonly<Record<string, string>>;
  readonly provisioners: LocalExecProvisioner[];
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Terraform's built-in `terraform_data`, emitted directly. cdktf's own DataResource attaches a
 * check that runs `terraform version` once per resource at synth time, which made a 1,000-step
 * stack take over a minute to synthesize. Without it, a Terraform older than 1.4 still stops at
 * `terraform init`/`plan`, naming the unknown resource type.
 */
export class StepDataResource extends TerraformResource {
  private readonly triggersReplace: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, config: StepDataResourceConfig) {
    super(scope, id, {
      terraformResourceType: 'terraform_data',
      terraformGeneratorMetadata: { providerName: 'terraform' },
      provisioners: config.provisioners,
      ...(config.dependsOn ? { dependsOn: config.dependsOn } : {}),
    });
    this.triggersReplace = config.triggersReplace;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { triggers_replace: hashMapper(anyToTerraform)(this.triggersReplace) };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return { triggers_replace: hashMapperHcl(anyToHclTerraform)(this.triggersReplace) };
  }
}
