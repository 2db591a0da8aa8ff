/**
 * One PowerShell session per connection to a Windows host: what the shell agent (shell-agent.ts)
 * is to a POSIX host, over the same frames, so the runner's end (ShellAgent) is the same.
 *
 * Windows OpenSSH runs an exec request as `cmd.exe /c <line>`, which refuses a line over 8,191
 * characters, and every local user can read a command line (process list, event 4688). So the line
 * carries only SESSION_BOOTSTRAP_PS (well under 2,000 characters encoded). The bootstrap reads one
 * frame from stdin, "<bytes> <sha256>\n" and the session script, checks both and runs it; the
 * session then reads the agent's request frames from the same stdin. Scripts, their bound values,
 * file contents and secrets only ever travel there.
 *
 * Each request is a script with its values bound (bindPowerShellVariables), written to a file in
 * the session's private folder and run as `& <file>` in a runspace of its own: `exit N` then ends
 * that script only and sets $LASTEXITCODE, as `powershell -File` would. The request's stdin bytes
 * are the script's `$cdktfInput`. Its output (Write-Output, [Console]::Out) is its stdout; error
 * records (the terminating one as PowerShell prints it, with exit status 1), warnings and
 * [Console]::Error are its stderr. Past its timeout, every process the session started (found by
 * Win32_Process.ParentProcessId) is ended with `taskkill /T /F`, the script's pipeline is stopped,
 * and the answer is T; later scripts run in a fresh runspace.
 *
 * Nothing runs that was not received whole: a frame whose lengths or stdin digest do not match, or
 * that ends early, ends the session with FRAME_MISMATCH_STATUS before any of it runs.
 *
 * The step lock of a Windows host is a named mutex (WINDOWS_STEP_LOCK), held by the session until
 * it ends; Windows releases it when the process dies, however it dies.
 */
import { createHash } from 'node:crypto';
import { encodePowerShell } from '../dialect/powershell';
import { AGENT_READY, FRAME_MISMATCH_STATUS } from './shell-agent';

/** The host-wide mutex a Windows step holds while it reads and changes the host. */
export const WINDOWS_STEP_LOCK = 'Global\\cdktf-failover-host-step';

/**
 * On the command line: reads "<bytes> <sha256>\n" and exactly that many bytes from stdin, checks
 * them, and runs them as a script block, passing the stdin stream on. Constant.
 */
export const SESSION_BOOTSTRAP_PS = `$ErrorActionPreference = 'Stop'
$in = [Console]::OpenStandardInput()
$head = New-Object Text.StringBuilder
while (($b = $in.ReadByte()) -ne 10) { if ($b -lt 0) { exit ${FRAME_MISMATCH_STATUS} }; [void]$head.Append([char]$b) }
$size, $digest = $head.ToString().Split(' ')
$body = New-Object byte[] ([int]$size)
$got = 0
while ($got -lt $body.Length) { $n = $in.Read($body, $got, $body.Length - $got); if ($n -le 0) { exit ${FRAME_MISMATCH_STATUS} }; $got += $n }
$sum = -join ([Security.Cryptography.SHA256]::Create().ComputeHash($body) | ForEach-Object { $_.ToString('x2') })
if ($sum -ne $digest) { [Console]::Error.WriteLine('cdktf-failover-session: the session script arrived damaged'); exit ${FRAME_MISMATCH_STATUS} }
& ([scriptblock]::Create([Text.Encoding]::UTF8.GetString($body))) $in`;

/**
 * The session loop. Constant: requests arrive as data. PowerShell 5.1 syntax only (checked by the
 * grammar test with every other script).
 */
export const SESSION_PS = `param($in)
$ErrorActionPreference = 'Stop'
$out = [Console]::OpenStandardOutput()
$utf8 = New-Object Text.UTF8Encoding $false
$sha = [Security.Cryptography.SHA256]::Create()
$dir = Join-Path ([IO.Path]::GetTempPath()) ('cdktf-failover-session.' + [Guid]::NewGuid().ToString('N'))
[void][IO.Directory]::CreateDirectory($dir)
function Stop-Session([string]$why) {
  [Console]::Error.WriteLine("cdktf-failover-agent: $why; nothing of it was run")
  Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
  exit ${FRAME_MISMATCH_STATUS}
}
function Read-Line {
  $line = New-Object Text.StringBuilder
  while (($b = $in.ReadByte()) -ne 10) {
    if ($b -lt 0) { if ($line.Length -eq 0) { return $null }; Stop-Session 'a request header was cut short' }
    [void]$line.Append([char]$b)
  }
  $line.ToString()
}
function Read-Bytes([long]$count) {
  $bytes = New-Object byte[] $count
  $got = 0
  while ($got -lt $count) {
    $n = $in.Read($bytes, $got, $count - $got)
    if ($n -le 0) { Stop-Session 'a request was cut short' }
    $got += $n
  }
  ,$bytes
}
function Send-Answer([string]$id, [string]$status, [byte[]]$stdout, [byte[]]$stderr) {
  $head = $utf8.GetBytes(('{0} {1} {2} {3}' -f $id, $status, $stdout.Length, $stderr.Length) + [char]10)
  $out.Write($head, 0, $head.Length)
  $out.Write($stdout, 0, $stdout.Length)
  $out.Write($stderr, 0, $stderr.Length)
  $out.Flush()
}
# An error record as Windows PowerShell's console prints it (its NormalView), whatever the
# PowerShell: the command, the message, where it happened, its category and id, unwrapped.
function Format-ErrorRecord($record) {
  $info = $record.InvocationInfo
  $text = New-Object Text.StringBuilder
  if ($null -ne $info -and $null -ne $info.MyCommand -and $info.MyCommand.Name) { [void]$text.Append($info.MyCommand.Name + ' : ') }
  elseif ($null -ne $info -and $info.InvocationName) { [void]$text.Append($info.InvocationName + ' : ') }
  [void]$text.Append($record.ToString())
  if ($null -ne $info -and $info.PositionMessage) { [void]$text.Append("\`r\`n" + ($info.PositionMessage -replace "\`r?\`n", "\`r\`n")) }
  [void]$text.Append("\`r\`n    + CategoryInfo          : " + $record.CategoryInfo.ToString())
  [void]$text.Append("\`r\`n    + FullyQualifiedErrorId : " + $record.FullyQualifiedErrorId)
  $text.ToString()
}
# Lines end as Windows ends them, whatever the platform.
function Text([object[]]$items) {
  $text = New-Object Text.StringBuilder
  foreach ($item in $items) {
    if ($null -eq $item) { continue }
    if ($item -is [string]) { [void]$text.Append($item) }
    elseif ($item -is [Management.Automation.ErrorRecord]) { [void]$text.Append((Format-ErrorRecord $item)) }
    else { [void]$text.Append(($item | Out-String -Width 4096).TrimEnd()) }
    [void]$text.Append("\`r\`n")
  }
  $text.ToString()
}
# The scripts' runspace has the drives this session has: one mapped for the session exists for them too.
function New-ScriptRunspace {
  $runspace = [runspacefactory]::CreateRunspace()
  $runspace.Open()
  $shell = [PowerShell]::Create()
  $shell.Runspace = $runspace
  foreach ($drive in Get-PSDrive -PSProvider FileSystem) {
    [void]$shell.AddCommand('New-PSDrive').AddParameter('Name', $drive.Name).AddParameter('PSProvider', 'FileSystem').AddParameter('Root', $drive.Root).AddParameter('Scope', 'Global').AddParameter('ErrorAction', 'SilentlyContinue')
    [void]$shell.Invoke()
    $shell.Commands.Clear()
  }
  $shell.Dispose()
  $runspace
}
function Stop-Children {
  foreach ($child in @(Get-CimInstance -ClassName Win32_Process -Filter "ParentProcessId = $PID" -ErrorAction SilentlyContinue)) {
    & taskkill.exe /T /F /PID $child.ProcessId 2>&1 | Out-Null
  }
}
function Invoke-Request([string]$script, [byte[]]$stdin, [int]$timeoutSeconds) {
  $file = Join-Path $dir ([Guid]::NewGuid().ToString('N') + '.ps1')
  [IO.File]::WriteAllBytes($file, $utf8.GetBytes($script))
  $shell = [PowerShell]::Create()
  $shell.Runspace = $script:runspace
  [void]$shell.AddScript('param($cdktfFile, $cdktfInput) Remove-Variable -Name LASTEXITCODE -Scope Global -ErrorAction SilentlyContinue; & $cdktfFile', $true).AddArgument($file).AddArgument($stdin)
  $captured = New-Object IO.StringWriter
  $capturedErrors = New-Object IO.StringWriter
  $console = [Console]::Out
  $consoleErrors = [Console]::Error
  [Console]::SetOut($captured)
  [Console]::SetError($capturedErrors)
  $status = $null
  $results = @()
  $failure = $null
  try {
    $running = $shell.BeginInvoke()
    if ($running.AsyncWaitHandle.WaitOne($timeoutSeconds * 1000)) {
      try { $results = @($shell.EndInvoke($running)) } catch { $failure = $_.Exception }
    } else {
      Stop-Children
      $stopping = $shell.BeginStop($null, $null)
      [void]$stopping.AsyncWaitHandle.WaitOne(5000)
      $script:runspace = New-ScriptRunspace
      $status = 'T'
    }
  } finally {
    [Console]::SetOut($console)
    [Console]::SetError($consoleErrors)
    Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue
  }
  $errors = New-Object Text.StringBuilder
  [void]$errors.Append($capturedErrors.ToString())
  [void]$errors.Append((Text @($shell.Streams.Warning | ForEach-Object { 'WARNING: ' + $_.Message })))
  [void]$errors.Append((Text @($shell.Streams.Error)))
  if ($null -eq $status) {
    if ($null -ne $failure) {
      $record = $failure.InnerException.ErrorRecord
      if ($null -eq $record) { $record = $failure.ErrorRecord }
      if ($null -eq $record) { [void]$errors.Append($failure.Message) } else { [void]$errors.Append((Text @($record))) }
      $status = '1'
    } else {
      $code = $script:runspace.SessionStateProxy.GetVariable('LASTEXITCODE')
      if ($null -eq $code) { $code = 0 }
      $status = [string]$code
    }
  }
  if ($status -ne 'T') { $shell.Dispose() }
  @{ Status = $status; Stdout = $utf8.GetBytes($captured.ToString() + (Text $results)); Stderr = $utf8.GetBytes($errors.ToString()) }
}
# One request, whole: its header, its script and its input, checked against the header.
function Read-Request([string]$line) {
  $fields = $line.Split(' ')
  if ($fields.Length -ne 6 -or $fields[0] -notmatch '^[0-9]+$' -or $fields[1] -notmatch '^[01L]$' -or $fields[2] -notmatch '^[0-9]+$' -or $fields[3] -notmatch '^[0-9]+$' -or $fields[4] -notmatch '^[0-9]+$') {
    Stop-Session 'a request header was garbled'
  }
  $command = Read-Bytes ([long]$fields[3])
  $stdin = Read-Bytes ([long]$fields[4])
  if ($stdin.Length -gt 0) {
    $sum = -join ($sha.ComputeHash($stdin) | ForEach-Object { $_.ToString('x2') })
    if ($sum -ne $fields[5]) { Stop-Session "the input of request $($fields[0]) arrived damaged" }
  }
  @{ Id = $fields[0]; Kind = $fields[1]; Timeout = [int]$fields[2]; Command = $command; Stdin = $stdin }
}
$script:runspace = New-ScriptRunspace
$lock = $null
$skip = $false
$ready = $utf8.GetBytes('cdktf-failover-agent ready' + [char]10)
$out.Write($ready, 0, $ready.Length)
$out.Flush()
try {
  while ($null -ne ($line = Read-Line)) {
    # "resume <n>": a batch of n requests, all read before any runs, so nothing is left on stdin
    # for a program a script starts (it inherits stdin) to take.
    $requests = @()
    if ($line -match '^resume( [0-9]+)?$') {
      $skip = $false
      if ($line -eq 'resume') { continue }
      for ($i = 0; $i -lt [int]$line.Substring(7); $i++) {
        $next = Read-Line
        if ($null -eq $next) { Stop-Session 'a batch was cut short' }
        $requests += ,(Read-Request $next)
      }
    } else {
      $requests += ,(Read-Request $line)
    }
    foreach ($request in $requests) {
      $id = $request.Id
      $none = New-Object byte[] 0
      if ($skip) { Send-Answer $id 'S' $none $none; continue }
      if ($request.Kind -eq 'L') {
        $name = $utf8.GetString($request.Command)
        try {
          if ($null -eq $lock) { $lock = New-Object Threading.Mutex($false, $name) }
          try { $held = $lock.WaitOne($request.Timeout * 1000) } catch [Threading.AbandonedMutexException] { $held = $true }
          if ($held) { Send-Answer $id '0' $utf8.GetBytes($name) $none } else { Send-Answer $id '1' $none $none; $skip = $true }
        } catch {
          Send-Answer $id '1' $none $utf8.GetBytes($_.Exception.Message)
          $skip = $true
        }
        continue
      }
      $answer = Invoke-Request $utf8.GetString($request.Command) $request.Stdin $request.Timeout
      Send-Answer $id $answer.Status $answer.Stdout $answer.Stderr
      if ($answer.Status -ne '0' -and $request.Kind -eq '1') { $skip = $true }
    }
  }
} finally {
  Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
}`;

const SESSION_BYTES = Buffer.from(SESSION_PS, 'utf8');

/** What the session's stdin starts with: the session script, framed as the bootstrap reads it. */
export const SESSION_FRAME = Buffer.concat([
  Buffer.from(`${SESSION_BYTES.length} ${createHash('sha256').update(SESSION_BYTES).digest('hex')}\n`),
  SESSION_BYTES,
]);

/** The only command line a Windows host ever receives from the library. */
export const SESSION_COMMAND_LINE = `powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${encodePowerShell(SESSION_BOOTSTRAP_PS)}`;

export { AGENT_READY as SESSION_READY };
