/** Whether a component needs the installer: pure, shared by the preflight and the install. */
import type { InstallerFacts } from './actions';

export type InstallDecision =
  | { readonly kind: 'install' }
  | { readonly kind: 'leave'; readonly reason: string }
  | { readonly kind: 'upgrade'; readonly from: string }
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * Not installed: install. Installed at the wanted version, or with no version to compare: leave it
 * (its fault-tolerance answers were saved at its first install). Installed at another version:
 * upgrade with allowUpgrade, else refuse.
 */
export function installDecision(
  installer: Pick<InstallerFacts, 'version' | 'allowUpgrade' | 'installDirectory'>,
  installed: boolean,
  installedVersion: string | undefined,
): InstallDecision {
  if (!installed) return { kind: 'install' };
  const wanted = installer.version;
  if (wanted === undefined)
    return {
      kind: 'leave',
      reason: `installed in ${installer.installDirectory}; no version declared to compare`,
    };
  if (installedVersion === undefined)
    return {
      kind: 'leave',
      reason: `installed in ${installer.installDirectory} at a version this construct did not record; give installer.versionCommand to compare it with ${wanted}`,
    };
  if (installedVersion === wanted) return { kind: 'leave', reason: `installed at ${wanted}` };
  if (installer.allowUpgrade) return { kind: 'upgrade', from: installedVersion };
  return {
    kind: 'refuse',
    reason: `installed at ${installedVersion}, not ${wanted}: set installer.allowUpgrade to upgrade it, or declare version ${installedVersion}`,
  };
}

/** The install record of a directory: one file per install directory under the records folder. */
export function installRecordName(installDirectory: string): string {
  return installDirectory.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '_');
}
