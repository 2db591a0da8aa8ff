/**
 * Real PowerShell 7 for tests that run the library's PowerShell: installed by the prerequisite
 * step of `npm test` (test/lab/require-prerequisites.mjs --powershell) into the lab's folder.
 * PowerShell 7 runs on Linux what Windows PowerShell 5.1 runs, as far as the language, .NET types
 * and core cmdlets go; Windows-only cmdlets are given by the test as functions of the same name.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where the prerequisite step installs it; CDKTF_FAILOVER_PWSH names another pwsh 7 to use. */
export const POWERSHELL = process.env.CDKTF_FAILOVER_PWSH ?? '/var/lib/cdktf-failover-lab/tools/pwsh';

export interface PowerShellRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fails with what to install when PowerShell 7 is missing. */
export function requirePowerShell(): void {
  if (!fs.existsSync(POWERSHELL))
    throw new Error(
      `PowerShell 7 is not installed at ${POWERSHELL}: run \`npm test\` once (its prerequisite step installs it with dotnet tool install PowerShell --version 7.6.9), or that command yourself with --tool-path ${POWERSHELL.replace(/\/pwsh$/, '')}`,
    );
}

/**
 * Runs `script` after `prelude` (shims, bound variables) in a fresh `pwsh -NoProfile`, `stdin` on
 * its input, with `env` added to this process's environment.
 */
export function runPowerShell(
  script: string,
  prelude = '',
  stdin: string | Buffer = '',
  env: Readonly<Record<string, string>> = {},
): PowerShellRun {
  requirePowerShell();
  // A script file in a private folder, as -File runs it: -Command - reads stdin line by line and
  // runs a multi-line block only after an empty line.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-pwsh-'));
  const file = path.join(dir, 'script.ps1');
  fs.writeFileSync(file, `${prelude}\n${script}\n`, { mode: 0o600 });
  let r;
  try {
    r = spawnSync(POWERSHELL, ['-NoProfile', '-NonInteractive', '-File', file], {
      input: stdin,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        TEST_POWERSHELL: POWERSHELL,
        NO_COLOR: '1',
        POWERSHELL_TELEMETRY_OPTOUT: '1',
        DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        ...env,
      },
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
