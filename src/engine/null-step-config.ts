import type { ITerraformDependable, LocalExecProvisioner } from '../cdktf';

/** A step as a `null_resource`: its triggers, its provisioner, what it runs after. */
export interface NullStepConfig {
  readonly triggers: Readonly<Record<string, string>>;
  readonly provisioners: LocalExecProvisioner[];
  readonly dependsOn?: ITerraformDependable[];
}
