/**
 * The small constant PowerShell scripts the library sends to Windows hosts, beside the file
 * primitives of powershell.ts. Each does one thing with values bound as variables
 * (bindPowerShellVariables); every decision is the runner's. Output is plain text a parser reads.
 */

/** Exit status of a primitive when its subject (a file, a folder, a service, a name) does not exist. */
export const MISSING_STATUS = 3;

/** Exit 0 when $path exists (file or folder), 3 when not. */
export const PATH_EXISTS_PS = `if (Test-Path -LiteralPath $path) { exit 0 }
exit ${MISSING_STATUS}`;

/** The names of the folders directly in $path, one per line; exit 3 when $path is missing. */
export const LIST_FOLDERS_PS = `if (-not (Test-Path -LiteralPath $path -PathType Container)) { exit ${MISSING_STATUS} }
Get-ChildItem -LiteralPath $path -Directory -Force | ForEach-Object { $_.Name }`;

/**
 * `start /wait $program $argument`, as a vendor documents a GUI tool's command line: waits for it
 * to exit, prints what it wrote, and exits with its exit code (what cmd.exe's %errorlevel% holds).
 * A program that is not there: exit 1 with why.
 */
export const RUN_AND_WAIT_PS = `$info = New-Object System.Diagnostics.ProcessStartInfo
$info.FileName = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($program)
$info.Arguments = $argument
$info.UseShellExecute = $false
$info.RedirectStandardOutput = $true
$info.RedirectStandardError = $true
try { $process = [System.Diagnostics.Process]::Start($info) } catch { Write-Output ('cannot start ' + $program + ': ' + $_.Exception.InnerException.Message); exit 1 }
$out = $process.StandardOutput.ReadToEndAsync()
$err = $process.StandardError.ReadToEndAsync()
$process.WaitForExit()
Write-Output ($out.Result + $err.Result).TrimEnd()
exit $process.ExitCode`;

/** Waits up to $seconds until a process named $name runs (exit 0); else prints what it saw, exit 1. */
export const AWAIT_PROCESS_PS = `$deadline = (Get-Date).AddSeconds([int]$seconds)
do {
  if (Get-Process -Name $name -ErrorAction SilentlyContinue) { exit 0 }
  Start-Sleep -Milliseconds 500
} while ((Get-Date) -lt $deadline)
Write-Output ('no process ' + $name + ' after ' + $seconds + ' s')
exit 1`;

/** "Running" when a process named $name runs, "Stopped" when none does. */
export const PROCESS_STATE_PS = `if (Get-Process -Name $name -ErrorAction SilentlyContinue) { Write-Output 'Running' } else { Write-Output 'Stopped' }`;

/** The IPv4 addresses $name resolves to, one per line; exit 3 when it does not resolve. */
export const RESOLVE_NAME_PS = `try {
  $addresses = [System.Net.Dns]::GetHostAddresses($name)
} catch {
  exit ${MISSING_STATUS}
}
$addresses | Where-Object { $_.AddressFamily -eq 'InterNetwork' } | ForEach-Object { $_.IPAddressToString }`;

/** The name $address resolves back to (a reverse lookup); exit 3 when it does not. */
export const REVERSE_LOOKUP_PS = `try {
  $entry = [System.Net.Dns]::GetHostEntry($address)
} catch {
  exit ${MISSING_STATUS}
}
if ([string]::IsNullOrEmpty($entry.HostName) -or $entry.HostName -eq $address) { exit ${MISSING_STATUS} }
Write-Output $entry.HostName`;

/**
 * Whether anything answers at $address: "icmp" when a ping is answered, "arp <mac>" when only the
 * neighbour table learned it, "none" otherwise. Two pings of 500 ms each (plenty on the agents'
 * own network) through .NET's Ping, the same on Windows PowerShell 5.1 and PowerShell 7 (whose
 * Test-Connection waits 5 s per ping).
 */
export const ANSWERS_AT_PS = `$ping = New-Object System.Net.NetworkInformation.Ping
foreach ($attempt in 1..2) {
  try { if ($ping.Send($address, 500).Status -eq 'Success') { Write-Output 'icmp'; exit 0 } } catch { }
}
$neighbour = Get-NetNeighbor -IPAddress $address -ErrorAction SilentlyContinue |
  Where-Object { $_.State -in @('Reachable', 'Stale', 'Delay', 'Probe', 'Permanent') } | Select-Object -First 1
if ($null -ne $neighbour) { Write-Output ('arp ' + $neighbour.LinkLayerAddress); exit 0 }
Write-Output 'none'`;

/**
 * The IPv4 addresses of the network adapters, "<adapter>\t<MAC>\t<physical>\t<address>" per line, in
 * interface order: the MAC to match DataMiner.xml's <NetworkAdapters>, and whether the adapter is
 * physical (not a Hyper-V, VPN or other virtual one).
 */
export const LIST_ADAPTER_ADDRESSES_PS = `$adapters = @{}
foreach ($adapter in Get-NetAdapter) { $adapters[[int]$adapter.InterfaceIndex] = $adapter }
Get-NetIPAddress -AddressFamily IPv4 |
  Where-Object { $_.InterfaceAlias -notlike 'Loopback*' -and $_.IPAddress -notlike '169.254.*' } |
  Sort-Object InterfaceIndex |
  ForEach-Object {
    $adapter = $adapters[[int]$_.InterfaceIndex]
    if ($null -ne $adapter) {
      $physical = [bool]$adapter.HardwareInterface -and -not [bool]$adapter.Virtual
      "{0}\`t{1}\`t{2}\`t{3}" -f $_.InterfaceAlias, $adapter.MacAddress, $physical, $_.IPAddress
    }
  }`;

/**
 * A TLS handshake with $address:$port (server name $name), as this host sees it: prints
 * "errors=<SslPolicyErrors>", "issuer=", "top=" (the subject of the chain's last certificate, its
 * root when the chain completes), "machineRoot=True|False" (that certificate is in Local Machine >
 * Trusted Root Certification Authorities, where a service account looks, unlike the SSH user's own
 * store) and "status=" (the chain's statuses). The certificate is accepted whatever it is: judging
 * it is the runner's. Exit 1 with why when no TCP connection or no handshake completes in
 * $timeoutMs.
 */
export const TLS_CHECK_PS = `$client = New-Object System.Net.Sockets.TcpClient
try {
  $pending = $client.BeginConnect($address, [int]$port, $null, $null)
  if (-not $pending.AsyncWaitHandle.WaitOne([int]$timeoutMs)) { Write-Output ('no TCP connection within ' + $timeoutMs + ' ms'); exit 1 }
  try { $client.EndConnect($pending) } catch { Write-Output ('no TCP connection: ' + $_.Exception.GetBaseException().Message); exit 1 }
  $client.ReceiveTimeout = [int]$timeoutMs
  $client.SendTimeout = [int]$timeoutMs
  $seen = @{}
  $accept = [System.Net.Security.RemoteCertificateValidationCallback]{
    param($sender, $certificate, $chain, $errors)
    $seen.errors = [string]$errors
    $seen.leaf = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2($certificate)
    $seen.elements = @($chain.ChainElements | ForEach-Object { $_.Certificate })
    $seen.status = @($chain.ChainStatus | ForEach-Object { [string]$_.Status }) -join ','
    $true
  }
  $ssl = New-Object System.Net.Security.SslStream($client.GetStream(), $false, $accept)
  try { $ssl.AuthenticateAsClient($name) } catch { Write-Output ('no TLS handshake: ' + $_.Exception.GetBaseException().Message); exit 1 }
  $top = if ($seen.elements.Count -gt 0) { $seen.elements[$seen.elements.Count - 1] } else { $seen.leaf }
  $store = New-Object System.Security.Cryptography.X509Certificates.X509Store('Root', 'LocalMachine')
  $store.Open('ReadOnly')
  $inStore = @($store.Certificates | Where-Object { $_.Thumbprint -eq $top.Thumbprint }).Count -gt 0
  $store.Close()
  Write-Output ('errors=' + $seen.errors)
  Write-Output ('issuer=' + $seen.leaf.Issuer)
  Write-Output ('top=' + $top.Subject)
  Write-Output ('machineRoot=' + $inStore)
  Write-Output ('status=' + $seen.status)
} finally { $client.Close() }`;
