/**
 * The one place the library imports the CDK for Terraform. cdktf 0.21 is its last release and a
 * community fork is a drop-in rename, so switching is a change to this file alone.
 */
export {
  Annotations,
  Aspects,
  App,
  AssetType,
  DataResource,
  LocalBackend,
  TerraformAsset,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  Testing,
  Token,
  anyToHclTerraform,
  dependable,
  anyToTerraform,
  hashMapper,
  hashMapperHcl,
} from 'cdktf';
export type { IAspect, ITerraformDependable, LocalExecProvisioner } from 'cdktf';
