/**
 * PowerShell dialect for Windows hosts reached through Windows OpenSSH. Values are bound as
 * single-quoted string literals, in which PowerShell expands nothing; the typographic single quotes
 * (‘ ’ ‚ ‛) also close a PowerShell string, so they are doubled like the ASCII one.
 */
export function quotePowerShell(value: string): string {
  if (value.includes('\0')) throw new Error('a remote command argument cannot contain a NUL character');
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The script with each variable bound first: `$name = '<quoted value>'`. */
export function bindPowerShellVariables(script: string, vars: Readonly<Record<string, string>> = {}): string {
  const bindings = Object.entries(vars).map(([name, value]) => {
    if (!VARIABLE_NAME.test(name)) throw new Error(`"${name}" is not a valid PowerShell variable name`);
    return `$${name} = ${quotePowerShell(value)}`;
  });
  return [
    "$ErrorActionPreference = 'Stop'",
    "$ProgressPreference = 'SilentlyContinue'",
    ...bindings,
    script,
  ].join('\n');
}

/** UTF-16LE then base64: the form `-EncodedCommand` takes, immune to cmd.exe and PowerShell quoting. */
export function encodePowerShell(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

const POWERSHELL = 'powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand';

/** Exit status of TIMEOUT_SUPERVISOR_PS when the command outlived its time and its tree was killed. */
export const TIMED_OUT_STATUS = 124;
export const TIMED_OUT_MARKER = 'cdktf-failover: timed out, process tree killed';

/**
 * Runs $inner (an -EncodedCommand) as a child process and waits $timeoutMs for it. On time it
 * relays the child's output and exit status; past it, taskkill /T ends the child and every process
 * it started, and the supervisor exits TIMED_OUT_STATUS. Constant: both values are bound variables.
 */
export const TIMEOUT_SUPERVISOR_PS = `$out = [IO.Path]::GetTempFileName()
$err = [IO.Path]::GetTempFileName()
$arguments = @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', $inner)
$child = Start-Process -FilePath 'powershell.exe' -ArgumentList $arguments -NoNewWindow -PassThru -RedirectStandardOutput $out -RedirectStandardError $err
# Windows reports ExitCode only to whoever holds the process handle before the process exits
# (PowerShell issue 5421): without this read, ExitCode stays $null and 'exit $null' exits 0.
$null = $child.Handle
if (-not $child.WaitForExit([int]$timeoutMs)) {
  & taskkill.exe /T /F /PID $child.Id | Out-Null
  Remove-Item -LiteralPath $out, $err -Force -ErrorAction SilentlyContinue
  [Console]::Error.WriteLine('${TIMED_OUT_MARKER}')
  exit ${TIMED_OUT_STATUS}
}
[Console]::Out.Write([IO.File]::ReadAllText($out))
[Console]::Error.Write([IO.File]::ReadAllText($err))
Remove-Item -LiteralPath $out, $err -Force -ErrorAction SilentlyContinue
if ($null -eq $child.ExitCode) {
  [Console]::Error.WriteLine('cdktf-failover: the exit code of the command could not be read')
  exit 1
}
exit $child.ExitCode`;

/**
 * The command line Windows OpenSSH runs, whatever its default shell (cmd.exe or PowerShell). With
 * a timeout, the script runs under TIMEOUT_SUPERVISOR_PS, which kills its whole process tree when
 * the time is up (a command that reads standard input runs directly: the child would not get it).
 */
export function renderPowerShellCommand(
  script: string,
  vars?: Readonly<Record<string, string>>,
  timeoutSeconds?: number,
): string {
  const inner = encodePowerShell(bindPowerShellVariables(script, vars));
  if (timeoutSeconds === undefined) return `${POWERSHELL} ${inner}`;
  const supervisor = bindPowerShellVariables(TIMEOUT_SUPERVISOR_PS, {
    inner,
    timeoutMs: String(Math.round(timeoutSeconds * 1000)),
  });
  return `${POWERSHELL} ${encodePowerShell(supervisor)}`;
}

/** Prints the file as base64 (one line), exit 3 when missing. */
export const READ_FILE_PS = `if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { exit 3 }
[Convert]::ToBase64String([IO.File]::ReadAllBytes($path))`;

/**
 * Writes the bytes on standard input to $path atomically: exactly $length of them (fewer: exit 65,
 * nothing written), to a temporary file in the same folder, the previous file kept as
 * $path$suffix, then [IO.File]::Replace (a rename on NTFS). Prints the backup path when one was
 * made. The content travels on stdin, never on the command line: cmd.exe caps that at 8,191
 * characters, and every local user can read it (event 4688).
 */
export const ATOMIC_WRITE_PS = `$received = New-Object IO.MemoryStream
[Console]::OpenStandardInput().CopyTo($received)
if ($received.Length -ne [long]$length) {
  [Console]::Error.WriteLine("short input for $path" + ': ' + $received.Length + ' of ' + $length + ' bytes arrived')
  exit 65
}
$dir = [IO.Path]::GetDirectoryName($path)
[void][IO.Directory]::CreateDirectory($dir)
$tmp = Join-Path $dir ('.' + [IO.Path]::GetFileName($path) + '.cdktf-failover.' + [Guid]::NewGuid().ToString('N'))
[IO.File]::WriteAllBytes($tmp, $received.ToArray())
if (Test-Path -LiteralPath $path -PathType Leaf) {
  $backup = $path + $suffix
  [IO.File]::Replace($tmp, $path, $backup)
  Write-Output $backup
  # The most recent backups only: the names end in a sortable UTC timestamp.
  Get-ChildItem -LiteralPath $dir -Filter ([IO.Path]::GetFileName($path) + '.cdktf-failover-backup-*') |
    Sort-Object Name -Descending | Select-Object -Skip ([int]$keep) | Remove-Item -Force
} else {
  [IO.File]::Move($tmp, $path)
}`;

/** Removes $path if it exists; a missing file is already as wanted. */
export const REMOVE_FILE_PS = `Remove-Item -LiteralPath $path -Force -ErrorAction SilentlyContinue
exit 0`;
