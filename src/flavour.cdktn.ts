/**
 * The cdktn flavour of flavour.ts (package `cdktn-failover`): CDK Terrain publishes no
 * `@cdktn/provider-null`, so steps become Terraform's built-in `terraform_data`.
 */
import type { Flavour } from './flavour-type';

export type { Flavour } from './flavour-type';

export const FLAVOUR = {
  framework: 'cdktn',
  packageName: 'cdktn-failover',
  defaultEngine: 'terraform_data',
  engines: ['terraform_data'],
} as const satisfies Flavour;
