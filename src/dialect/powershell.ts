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

/**
 * The path .NET should open for $path: PowerShell's own reading of it (its drives, its current
 * location), which .NET's methods do not share.
 */
const RESOLVE_PATH = '$file = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($path)';

/** Prints the file as base64 (one line), exit 3 when missing. */
export const READ_FILE_PS = `if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { exit 3 }
${RESOLVE_PATH}
[Convert]::ToBase64String([IO.File]::ReadAllBytes($file))`;

/**
 * Writes the bytes the session received as this script's input ($cdktfInput) to $path atomically:
 * exactly $length of them (fewer: exit 65, nothing written), to a temporary file in the same
 * folder, the previous file kept as $path$suffix, then [IO.File]::Replace (a rename on NTFS).
 * Prints the backup path when one was made. The content never travels on a command line: cmd.exe
 * caps that at 8,191 characters, and every local user can read it (event 4688).
 */
export const ATOMIC_WRITE_PS = `if ($null -eq $cdktfInput -or $cdktfInput.Length -ne [long]$length) {
  $received = 0
  if ($null -ne $cdktfInput) { $received = $cdktfInput.Length }
  [Console]::Error.WriteLine("short input for $path" + ': ' + $received + ' of ' + $length + ' bytes arrived')
  exit 65
}
${RESOLVE_PATH}
$dir = [IO.Path]::GetDirectoryName($file)
[void][IO.Directory]::CreateDirectory($dir)
$tmp = Join-Path $dir ('.' + [IO.Path]::GetFileName($file) + '.cdktf-failover.' + [Guid]::NewGuid().ToString('N'))
[IO.File]::WriteAllBytes($tmp, $cdktfInput)
if (Test-Path -LiteralPath $file -PathType Leaf) {
  [IO.File]::Replace($tmp, $file, $file + $suffix)
  Write-Output ($path + $suffix)
  # The most recent backups only: the names end in a sortable UTC timestamp.
  Get-ChildItem -LiteralPath $dir -Filter ([IO.Path]::GetFileName($file) + '.cdktf-failover-backup-*') |
    Sort-Object Name -Descending | Select-Object -Skip ([int]$keep) | Remove-Item -Force
} else {
  [IO.File]::Move($tmp, $file)
}`;

/** Removes $path if it exists; a missing file is already as wanted. */
export const REMOVE_FILE_PS = `Remove-Item -LiteralPath $path -Force -ErrorAction SilentlyContinue
exit 0`;
