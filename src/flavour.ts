/**
 * Which CDK for Terraform this build of the library is for. The source imports the framework in one
 * place (cdktf.ts); the cdktn flavour (package `cdktn-failover`) is generated from the same build
 * with that import renamed and this file replaced by flavour.cdktn.ts (src/cdktn-flavour.mjs).
 */
import type { Flavour } from './flavour-type';

export type { Flavour } from './flavour-type';

export const FLAVOUR = {
  framework: 'cdktf',
  packageName: 'cdktf-failover',
  defaultEngine: 'null_resource',
  engines: ['null_resource', 'terraform_data'],
} as const satisfies Flavour;
