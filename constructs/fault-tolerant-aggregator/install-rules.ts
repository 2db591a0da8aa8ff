/** Whether a component needs the installer: pure, shared by the preflight, the install and the upgrade. */
import type { InstallerFacts } from './actions';

export type InstallDecision =
  | { readonly kind: 'install' }
  | { readonly kind: 'leave'; readonly reason: string }
  | { readonly kind: 'upgrade'; readonly from: string }
  | { readonly kind: 'refuse'; readonly reason: string };

/** What `from` says of a directory the installer left without finishing (no completion record). */
export const UNFINISHED_INSTALL = 'an unfinished install';

/**
 * `installed` means a verified install: the construct's completion record is there (written only
 * after the installer succeeded and the installed version was verified). A directory without it
 * (`directoryExists` alone) is a broken install: an installer that failed midway, or one run by
 * hand. It is rerun over only with allowUpgrade, else refused, and never deleted.
 *
 * Not there at all: install. Installed at the wanted version, or with no version to compare: leave
 * it (its fault-tolerance answers were saved at its first install). Installed at another version:
 * upgrade with allowUpgrade, else refuse.
 */
export function installDecision(
  installer: Pick<InstallerFacts, 'version' | 'allowUpgrade' | 'installDirectory'>,
  installed: boolean,
  installedVersion: string | undefined,
  directoryExists: boolean = installed,
): InstallDecision {
  if (!installed && !directoryExists) return { kind: 'install' };
  if (!installed) return unfinishedInstall(installer);
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

function unfinishedInstall(
  installer: Pick<InstallerFacts, 'allowUpgrade' | 'installDirectory'>,
): InstallDecision {
  if (installer.allowUpgrade) return { kind: 'upgrade', from: UNFINISHED_INSTALL };
  return {
    kind: 'refuse',
    reason: `not installed completely: ${installer.installDirectory} exists, but this construct holds no record of a verified install there (an installer that failed midway, or an install made by hand). Set installer.allowUpgrade to run the installer over it, or clean the directory up yourself; it is never deleted by this construct`,
  };
}

/**
 * After the installer exited 0: whether the install is verified, or why not. With a version
 * command, what it prints must be the declared version; without one, the installer's success and
 * its directory are all there is to check (RUN_INSTALLER checks the directory).
 */
export function installVerified(
  wanted: string | undefined,
  versionRead: boolean,
  installedVersion: string | undefined,
): { readonly ok: true } | { readonly ok: false; readonly problem: string } {
  if (!versionRead || wanted === undefined) return { ok: true };
  if (installedVersion === wanted) return { ok: true };
  return {
    ok: false,
    problem:
      installedVersion === undefined
        ? `versionCommand printed no version, so ${wanted} cannot be verified`
        : `versionCommand prints ${installedVersion}, not ${wanted}`,
  };
}

/** The completion record's one line: the version ("-" when none was declared) and when, in UTC. */
export function installRecordLine(version: string | undefined, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${version ?? '-'} ${stamp}\n`;
}

/** The install record of a directory: one file per install directory under the records folder. */
export function installRecordName(installDirectory: string): string {
  return installDirectory.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '_');
}
