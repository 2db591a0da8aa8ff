/**
 * The remote commands the Cassandra steps send, per platform. Scripts are constants; every value
 * travels as a positional parameter (POSIX) or a bound variable (PowerShell), never as code.
 */
import type { RemoteCommand } from '../../src/actions';
import { shellScript } from '../../src/dialect/posix';

/** Exit statuses of a service query, the same on both platforms (systemctl's own for `status`). */
export const SERVICE_RUNNING = 0;
export const SERVICE_STOPPED = 3;
export const SERVICE_MISSING = 4;

/** Seconds a port test waits for the TCP handshake. */
export const PORT_CHECK_TIMEOUT_SECONDS = 5;

export type NodetoolCommand = 'version' | 'status' | 'describecluster';

/** Whether the service exists and runs: exit 0 running, 3 stopped, 4 no such service. */
export const SERVICE_STATE_PS = `$svc = Get-Service -Name $service -ErrorAction SilentlyContinue
if ($null -eq $svc) { Write-Output "no service named $service"; exit 4 }
Write-Output ('{0}: {1}' -f $svc.Name, $svc.Status)
if ($svc.Status -eq 'Running') { exit 0 } else { exit 3 }`;

/**
 * nodetool.bat with its output (errors included) as text. Windows PowerShell turns a native
 * program's stderr into error records, which 'Stop' would throw on: collect them as text instead.
 */
export const NODETOOL_PS = `$ErrorActionPreference = 'Continue'
$output = & $nodetool $command 2>&1 | ForEach-Object { "$_" }
$code = $LASTEXITCODE
$output | Out-String -Width 4096 | Write-Output
if ($null -eq $code) { exit 1 }
exit $code`;

/** Connects to $address:$port from this host: exit 0 when the handshake completes in time, 124 (as `timeout`) when nothing answers. */
export const PORT_CHECK_PS = `$client = New-Object System.Net.Sockets.TcpClient
try {
  $attempt = $client.ConnectAsync($address, [int]$port)
  if ($attempt.Wait([int]$timeoutMs) -and $client.Connected) { exit 0 }
  Write-Output "no answer from $($address):$port within $timeoutMs ms"
  exit 124
} catch {
  Write-Output "cannot connect to $($address):$port - $($_.Exception.InnerException.Message)"
  exit 1
} finally {
  $client.Dispose()
}`;

/** Prints the first file below $directory, nothing when it is missing or holds no file. */
export const FIRST_DATA_FILE_PS = `if (-not (Test-Path -LiteralPath $directory -PathType Container)) { exit 0 }
Get-ChildItem -LiteralPath $directory -Recurse -File -Force -ErrorAction SilentlyContinue | Select-Object -First 1 | ForEach-Object { $_.FullName }
exit 0`;

/**
 * `timeout` bounds the handshake; bash's /dev/tcp exists on Debian and RHEL alike, where nc may not.
 * $1 address, $2 port, $3 seconds.
 */
export const PORT_CHECK_SCRIPT = `exec timeout "$3" bash -c 'exec 3<>"/dev/tcp/$1/$2"' bash "$1" "$2"`;

/** Prints the first file below $1, nothing when it is missing or holds no file. */
export const FIRST_DATA_FILE_SCRIPT = `[ -d "$1" ] || exit 0
find "$1" -type f -print 2>/dev/null | head -n 1`;

/**
 * The health gate after a restart: waits until `nodetool status` on the node shows its own address
 * as UN. $1 nodetool, $2 address, $3 seconds. A failure prints the node's last line and what to do.
 */
export const AWAIT_UN_SCRIPT = `nodetool=$1; address=$2; limit=$3
deadline=$(( $(date +%s) + limit ))
while :; do
  out=$("$nodetool" status 2>&1)
  line=$(printf '%s\\n' "$out" | ADDRESS="$address" awk '$2 == ENVIRON["ADDRESS"] { print; exit }')
  case $line in UN*) exit 0 ;; esac
  [ "$(date +%s)" -lt "$deadline" ] || break
  sleep 2
done
printf '%s\\n' "$out" | tail -n 3 >&2
echo "cassandra at $address is not UN after $limit s (last seen: \${line:-not listed}). Find the cause in the node's system.log, fix it and deploy again: the restart stays pending and runs again first." >&2
exit 1`;

/** Every PowerShell script the construct can send, for grammar checks. */
export const ALL_POWERSHELL_SCRIPTS: Readonly<Record<string, string>> = {
  SERVICE_STATE_PS,
  NODETOOL_PS,
  PORT_CHECK_PS,
  FIRST_DATA_FILE_PS,
};

/** The read-only queries preflight and verification send, on either platform. */
export interface NodeQueries {
  serviceState(service: string): RemoteCommand;
  nodetool(nodetoolPath: string, command: NodetoolCommand): RemoteCommand;
  portCheck(address: string, port: number): RemoteCommand;
  firstDataFile(directory: string): RemoteCommand;
}

export const POSIX_QUERIES: NodeQueries = {
  // `status` answers all three cases by exit code: 0 active, 3 not running, 4 no such unit.
  serviceState: (service) => ({ argv: ['systemctl', '--no-pager', 'status', '--', service] }),
  nodetool: (nodetoolPath, command) => ({ argv: [nodetoolPath, command] }),
  portCheck: (address, port) => ({
    argv: shellScript(PORT_CHECK_SCRIPT, address, String(port), String(PORT_CHECK_TIMEOUT_SECONDS)),
  }),
  firstDataFile: (directory) => ({ argv: shellScript(FIRST_DATA_FILE_SCRIPT, directory) }),
};

export const POWERSHELL_QUERIES: NodeQueries = {
  serviceState: (service) => ({ powershell: SERVICE_STATE_PS, vars: { service } }),
  nodetool: (nodetool, command) => ({ powershell: NODETOOL_PS, vars: { nodetool, command } }),
  portCheck: (address, port) => ({
    powershell: PORT_CHECK_PS,
    vars: { address, port: String(port), timeoutMs: String(PORT_CHECK_TIMEOUT_SECONDS * 1000) },
  }),
  firstDataFile: (directory) => ({ powershell: FIRST_DATA_FILE_PS, vars: { directory } }),
};

export function queriesFor(isWindows: boolean): NodeQueries {
  return isWindows ? POWERSHELL_QUERIES : POSIX_QUERIES;
}

/**
 * What configure mode does to a Linux node's service (configure mode is Linux only: on
 * DataMiner's Windows pair, DataMiner forms the cluster).
 */
export const POSIX_SERVICE_CONTROL = {
  restart: (service: string): RemoteCommand => ({ argv: ['systemctl', 'restart', '--', service] }),
  stop: (service: string): RemoteCommand => ({ argv: ['systemctl', 'stop', '--', service] }),
  awaitUn: (nodetoolPath: string, address: string, seconds: number): RemoteCommand => ({
    argv: shellScript(AWAIT_UN_SCRIPT, nodetoolPath, address, String(seconds)),
  }),
};

/** Moves $1 to $1$2 and leaves an empty $1 with the same owner and mode. Prints where the data went. */
export const SET_ASIDE_SCRIPT = `set -eu
dir=$1; aside=$1$2
[ -d "$dir" ] || exit 0
if [ -e "$aside" ]; then echo "$aside already exists" >&2; exit 1; fi
mv -- "$dir" "$aside"
mkdir -- "$dir"
chmod --reference="$aside" -- "$dir"
chown --reference="$aside" -- "$dir"
printf '%s\\n' "$aside"`;
