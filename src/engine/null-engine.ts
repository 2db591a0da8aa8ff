/**
 * The `null_resource` engine: hashicorp/null's provider and resource from `@cdktf/provider-null`,
 * the one place the library imports it (the cdktn flavour replaces this file with
 * null-engine.cdktn.ts).
 */
import type { Construct } from 'constructs';
import { NullProvider } from '@cdktf/provider-null/lib/provider';
import { Resource as NullResource } from '@cdktf/provider-null/lib/resource';
import { TerraformResource, TerraformStack } from '../cdktf';
import type { NullStepConfig } from './null-step-config';

/** A step as a `null_resource`, with the stack's null provider declared once. */
export function nullStepResource(scope: Construct, id: string, config: NullStepConfig): TerraformResource {
  const stack = TerraformStack.of(scope);
  if (!stack.node.tryFindChild('FailoverNullProvider')) new NullProvider(stack, 'FailoverNullProvider');
  return new NullResource(scope, id, { ...config, triggers: { ...config.triggers } });
}
