/** Preflight decisions for one host of the procedure: facts in, problems out. Pure. */
import { hostLabel } from '../../src/schema/host';
import type { ProcedureHost } from './actions';
import type { HostFacts } from './facts';
import { installDecision } from './install-rules';

/**
 * Linux; python3 for the network checks; the installer present and executable (or its local file
 * present); free space where it unpacks, when it will run; an installed version it may replace.
 */
export function hostProblems(
  p: ProcedureHost,
  facts: HostFacts,
  installedVersion: string | undefined,
  localFileExists: boolean | undefined,
): string[] {
  const label = hostLabel(p.host);
  if (facts.os !== 'Linux')
    return [
      `${label} (${p.role}) runs ${facts.os || 'an unknown system'}, not Linux: DX NetOps Performance Management needs Linux`,
    ];
  const problems: string[] = [];
  if (!facts.python)
    problems.push(
      `${label}: neither python3 nor /usr/libexec/platform-python is installed; the network checks run with it (install python3)`,
    );
  const decision = installDecision(
    p.installer,
    facts.installed && facts.recorded,
    installedVersion,
    facts.installed,
  );
  if (decision.kind === 'refuse') problems.push(`${label}: the ${p.role} is ${decision.reason}`);
  const willRun = decision.kind === 'install' || decision.kind === 'upgrade';
  if (!willRun) return problems;
  if (p.installer.path !== undefined && facts.installer === 'missing')
    problems.push(
      `${label}: the installer ${p.installer.path} is not there; copy it to the host or give installer.localFile to upload it`,
    );
  if (p.installer.path !== undefined && facts.installer === 'not-executable')
    problems.push(`${label}: the installer ${p.installer.path} is not an executable file (chmod +x it)`);
  if (p.installer.localFile !== undefined && localFileExists === false)
    problems.push(
      `the installer ${p.installer.localFile} for ${label} does not exist on the machine that runs terraform`,
    );
  const freeMiB = Math.floor(facts.freeKiB / 1024);
  if (!Number.isFinite(facts.freeKiB))
    problems.push(
      `${label}: cannot tell the free space in ${facts.unpackDirectory} (df printed nothing usable)`,
    );
  else if (freeMiB < p.installer.minimumFreeMiB)
    problems.push(
      `${label}: ${facts.unpackDirectory} has ${freeMiB} MiB free where the installer unpacks; it needs ${p.installer.minimumFreeMiB} MiB (free space, or set installer.unpackDirectory)`,
    );
  return problems;
}
