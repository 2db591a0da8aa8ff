import { spawn } from 'node:child_process';
import { SESSION_BOOTSTRAP_PS, SESSION_FRAME, WINDOWS_STEP_LOCK } from '../src/runner/powershell-session';
import { encodePowerShell, bindPowerShellVariables } from '../src/dialect/powershell';
import { ShellAgent } from '../src/runner/shell-agent';
const P = '/var/lib/cdktf-failover-lab/tools/pwsh';
async function main() {
  const t0 = Date.now();
  const child = spawn(P, ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encodePowerShell(SESSION_BOOTSTRAP_PS)], {
    env: { ...process.env, PSModulePath: '/work/main/test/lab/emulators/windows', PATH: `/tmp/pstest/bin:${process.env.PATH}` }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.write(SESSION_FRAME);
  const agent = new ShellAgent(child.stdin, child.stdout, child.stderr);
  await agent.whenReady();
  console.log('ready ms', Date.now() - t0);
  const t1 = Date.now();
  const r = await agent.batch([
    { command: WINDOWS_STEP_LOCK, timeoutSeconds: 5, lock: true },
    { command: bindPowerShellVariables("Write-Output \"hi $name\"; [Console]::Out.Write('raw'); [Console]::Error.WriteLine('err'); exit 3", { name: "o'k" }), timeoutSeconds: 5 },
    { command: bindPowerShellVariables("Write-Output ([Text.Encoding]::UTF8.GetString($cdktfInput))"), stdin: 'secret input', timeoutSeconds: 5 },
    { command: bindPowerShellVariables("throw 'boom'"), timeoutSeconds: 5 },
    { command: bindPowerShellVariables("Get-Item -LiteralPath '/nonexistent'"), timeoutSeconds: 5 },
    { command: bindPowerShellVariables("Write-Warning 'careful'; $x = 1; Write-Output $x; Write-Output (Get-Date).DayOfWeek"), timeoutSeconds: 5 },
    { command: bindPowerShellVariables("& sleep 30"), timeoutSeconds: 2, mustSucceed: true },
    { command: bindPowerShellVariables("Write-Output 'skipped?'"), timeoutSeconds: 2 },
  ], 60000);
  console.log('batch ms', Date.now() - t1);
  for (const x of r) console.log(JSON.stringify({ s: x.status, o: x.stdout.toString(), e: x.stderr.toString() }));
  const t2 = Date.now();
  const r2 = await agent.batch([{ command: bindPowerShellVariables("Write-Output 'after'"), timeoutSeconds: 5 }, { command: bindPowerShellVariables("Start-Sleep 20"), timeoutSeconds: 1 }, { command: bindPowerShellVariables("Write-Output $PID"), timeoutSeconds: 5 }], 60000);
  console.log('batch2 ms', Date.now() - t2, r2.map((x) => [x.status, x.stdout.toString(), x.stderr.toString()]));
  agent.close();
}
main().catch((e) => { console.error(e); process.exit(1); });
