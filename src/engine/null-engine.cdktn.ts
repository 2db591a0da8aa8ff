/**
 * The cdktn flavour of null-engine.ts: there is no `@cdktn/provider-null`, and the flavour offers
 * only `terraform_data` (stepEngineOf refuses `null_resource` first, naming the fix).
 */
import type { Construct } from 'constructs';
import type { TerraformResource } from '../cdktf';
import type { NullStepConfig } from './null-step-config';

export function nullStepResource(_scope: Construct, _id: string, _config: NullStepConfig): TerraformResource {
  throw new Error('cdktn-failover emits terraform_data only: @cdktn/provider-null is not published');
}
