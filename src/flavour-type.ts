/** What a flavour of the library (flavour.ts, flavour.cdktn.ts) says about itself. */
export interface Flavour {
  /** The framework package. */
  readonly framework: 'cdktf' | 'cdktn';
  /** This library's package name. */
  readonly packageName: string;
  /** The engine a stack gets when it names none. */
  readonly defaultEngine: 'null_resource' | 'terraform_data';
  /** The engines this flavour can emit. */
  readonly engines: readonly ('null_resource' | 'terraform_data')[];
}
