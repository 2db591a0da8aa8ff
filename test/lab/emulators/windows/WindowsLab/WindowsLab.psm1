# The Windows-only cmdlets the library's PowerShell uses, for the lab's Windows hosts, where the
# real PowerShell runs everything else. Each returns objects with the properties and value types
# Microsoft documents for it, read from the host's real state: services from the registry that
# setup.ts writes (backed by the vendor emulators), addresses and neighbours from the host's own
# network namespace, processes from /proc. Anything outside what is shimmed fails loudly.

Set-StrictMode -Version 3.0

$script:Services = '/etc/windows-lab/services.json'
$script:StateDir = '/var/lib/windows-lab/services'
$script:Systemctl = '/lab/bin/systemctl'
# Bounds on waits no caller bounds (the runner's own timeout normally ends them first).
$script:StartLimitSeconds = 1800

# System.ServiceProcess.ServiceControllerStatus, with its documented values.
enum ServiceControllerStatus {
  Stopped = 1
  StartPending = 2
  StopPending = 3
  Running = 4
  ContinuePending = 5
  PausePending = 6
  Paused = 7
}

# Windows PowerShell's C: (and any other lettered drive the host has under /mnt).
function Enable-WindowsLabDrives {
  foreach ($folder in Get-ChildItem -LiteralPath '/mnt' -Directory -ErrorAction SilentlyContinue) {
    if ($folder.Name -match '^[a-z]$' -and -not (Get-PSDrive -Name $folder.Name.ToUpper() -ErrorAction SilentlyContinue)) {
      $null = New-PSDrive -Name $folder.Name.ToUpper() -PSProvider FileSystem -Root $folder.FullName -Scope Global
    }
  }
}

function Read-Registry {
  if (-not (Test-Path -LiteralPath $script:Services)) { return @{} }
  $table = @{}
  $parsed = Get-Content -LiteralPath $script:Services -Raw | ConvertFrom-Json
  foreach ($property in $parsed.PSObject.Properties) { $table[$property.Name] = $property.Value }
  $table
}

function Invoke-Quietly([string[]]$argv) {
  $output = & $argv[0] $argv[1..($argv.Length - 1)] 2>&1 | ForEach-Object { "$_" }
  [pscustomobject]@{ Code = $LASTEXITCODE; Output = ($output -join "`n").Trim() }
}

function Get-StatusWord([string]$name, $entry) {
  switch ($entry.kind) {
    'command' {
      $word = (Invoke-Quietly (@($entry.control) + 'status')).Output
      if ($word -in @('Running', 'Stopped', 'StartPending', 'StopPending', 'Paused')) { return $word }
      return 'Stopped'
    }
    'systemd' {
      if ((Invoke-Quietly @($script:Systemctl, 'status', $entry.unit)).Code -eq 0) { return 'Running' }
      return 'Stopped'
    }
    'never-starts' {
      $state = Join-Path $script:StateDir "$name.state"
      if (Test-Path -LiteralPath $state) { return (Get-Content -LiteralPath $state -Raw).Trim() }
      return 'Stopped'
    }
    default { return 'Stopped' }
  }
}

function New-ServiceObject([string]$name, $entry) {
  $display = if ($entry.PSObject.Properties['displayName']) { $entry.displayName } else { $name }
  $object = [pscustomobject]@{
    Name        = $name
    ServiceName = $name
    DisplayName = $display
    Status      = [ServiceControllerStatus](Get-StatusWord $name $entry)
    StartType   = 'Automatic'
    ServiceType = 'Win32OwnProcess'
    MachineName = '.'
  }
  $object.PSObject.TypeNames.Insert(0, 'System.ServiceProcess.ServiceController')
  $object
}

function Find-Services([string]$pattern) {
  $registry = Read-Registry
  $names = @($registry.Keys | Where-Object { $_ -like $pattern } | Sort-Object)
  foreach ($name in $names) { [pscustomobject]@{ Name = $name; Entry = $registry[$name] } }
}

function New-ServiceError([string]$cmdlet, [string]$message, [string]$id, $category, $target) {
  $exception = New-Object System.InvalidOperationException $message
  New-Object System.Management.Automation.ErrorRecord $exception, "$id,Microsoft.PowerShell.Commands.$cmdlet", $category, $target
}

# What each service cmdlet writes for a name no service has.
function New-NoServiceError([string]$cmdlet, [string]$pattern) {
  New-ServiceError $cmdlet "Cannot find any service with service name '$pattern'." 'NoServiceFoundForGivenName' ([System.Management.Automation.ErrorCategory]::ObjectNotFound) $pattern
}

# Get-Service, as Microsoft's PowerShell reference documents it (Microsoft.PowerShell.Management).
function Get-Service {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string[]]$Name = @('*'))
  foreach ($pattern in $Name) {
    $found = @(Find-Services $pattern)
    if ($found.Count -eq 0 -and -not [WildcardPattern]::ContainsWildcardCharacters($pattern)) {
      $PSCmdlet.WriteError((New-NoServiceError 'GetServiceCommand' $pattern))
      continue
    }
    foreach ($service in $found) { New-ServiceObject $service.Name $service.Entry }
  }
}

# Start-Service: waits while the service is StartPending, warning every 2 s, as the cmdlet does.
# (Microsoft's PowerShell reference, Microsoft.PowerShell.Management.)
function Start-Service {
  [CmdletBinding()]
  param([Parameter(Position = 0, Mandatory = $true)][string[]]$Name)
  foreach ($pattern in $Name) {
    $found = @(Find-Services $pattern)
    if ($found.Count -eq 0) {
      $PSCmdlet.WriteError((New-NoServiceError 'StartServiceCommand' $pattern))
      continue
    }
    foreach ($service in $found) {
      $entry = $service.Entry
      $label = '{0} ({1})' -f $service.Name, $(if ($entry.PSObject.Properties['displayName']) { $entry.displayName } else { $service.Name })
      if ((Get-StatusWord $service.Name $entry) -eq 'Running') { continue }
      $accepted = switch ($entry.kind) {
        'command' { (Invoke-Quietly (@($entry.control) + 'start')).Code -eq 0 }
        'systemd' { (Invoke-Quietly @($script:Systemctl, 'start', $entry.unit)).Code -eq 0 }
        'never-starts' {
          $null = New-Item -ItemType Directory -Force -Path $script:StateDir
          [IO.File]::WriteAllText((Join-Path $script:StateDir "$($service.Name).state"), "StartPending`n")
          $true
        }
        default { $false }
      }
      if (-not $accepted) {
        $PSCmdlet.ThrowTerminatingError((New-ServiceError 'StartServiceCommand' "Service '$label' cannot be started due to the following error: Cannot start service $($service.Name) on computer '.'." 'CouldNotStartService' ([System.Management.Automation.ErrorCategory]::OpenError) $service.Name))
      }
      $started = [DateTime]::UtcNow
      $warned = $started
      while ($true) {
        $status = Get-StatusWord $service.Name $entry
        if ($status -eq 'Running') { break }
        if ($status -eq 'Stopped' -or ([DateTime]::UtcNow - $started).TotalSeconds -gt $script:StartLimitSeconds) {
          $PSCmdlet.ThrowTerminatingError((New-ServiceError 'StartServiceCommand' "Failed to start service '$label'." 'StartServiceFailed' ([System.Management.Automation.ErrorCategory]::OpenError) $service.Name))
        }
        if (([DateTime]::UtcNow - $warned).TotalSeconds -ge 2) {
          $warned = [DateTime]::UtcNow
          Write-Warning "Waiting for service '$label' to start..."
        }
        Start-Sleep -Milliseconds 250
      }
    }
  }
}

# Stop-Service, as Microsoft's PowerShell reference documents it (Microsoft.PowerShell.Management).
function Stop-Service {
  [CmdletBinding()]
  param([Parameter(Position = 0, Mandatory = $true)][string[]]$Name, [switch]$Force)
  foreach ($pattern in $Name) {
    $found = @(Find-Services $pattern)
    if ($found.Count -eq 0) {
      $PSCmdlet.WriteError((New-NoServiceError 'StopServiceCommand' $pattern))
      continue
    }
    foreach ($service in $found) {
      $entry = $service.Entry
      switch ($entry.kind) {
        'command' { $null = Invoke-Quietly (@($entry.control) + 'stop') }
        'systemd' { $null = Invoke-Quietly @($script:Systemctl, 'stop', $entry.unit) }
        'never-starts' { Remove-Item -LiteralPath (Join-Path $script:StateDir "$($service.Name).state") -Force -ErrorAction SilentlyContinue }
      }
    }
  }
}

# Interface aliases as Windows names adapters: eth0 is Ethernet, eth1 Ethernet 2, and so on.
function Get-AdapterAlias([string]$device) {
  if ($device -eq 'lo') { return 'Loopback Pseudo-Interface 1' }
  if ($device -match '^eth(\d+)$') {
    $n = [int]$Matches[1]
    if ($n -eq 0) { return 'Ethernet' }
    return "Ethernet $($n + 1)"
  }
  $device
}

# Get-NetIPAddress, as Microsoft's NetTCPIP reference documents it (MSFT_NetIPAddress).
function Get-NetIPAddress {
  [CmdletBinding()]
  param([ValidateSet('IPv4', 'IPv6')][string]$AddressFamily, [string[]]$IPAddress, [string[]]$InterfaceAlias)
  $families = if ($AddressFamily) { @($AddressFamily) } else { @('IPv4', 'IPv6') }
  foreach ($family in $families) {
    $flag = if ($family -eq 'IPv4') { '-4' } else { '-6' }
    foreach ($line in @(& ip $flag -o address show)) {
      if ($line -notmatch '^(\d+):\s+(\S+)\s+inet6?\s+([0-9a-fA-F.:]+)/(\d+)') { continue }
      $object = [pscustomobject]@{
        IPAddress      = $Matches[3]
        InterfaceIndex = [uint32]$Matches[1]
        InterfaceAlias = Get-AdapterAlias $Matches[2]
        AddressFamily  = $family
        PrefixLength   = [byte]$Matches[4]
        PrefixOrigin   = 'Manual'
        SuffixOrigin   = 'Manual'
        AddressState   = 'Preferred'
        SkipAsSource   = $false
      }
      if ($IPAddress -and $object.IPAddress -notin $IPAddress) { continue }
      if ($InterfaceAlias -and -not @($InterfaceAlias | Where-Object { $object.InterfaceAlias -like $_ })) { continue }
      $object.PSObject.TypeNames.Insert(0, 'Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/MSFT_NetIPAddress')
      $object
    }
  }
}

# Get-NetAdapter, as Microsoft's NetAdapter reference documents it (MSFT_NetAdapter): the host's
# interfaces from /sys/class/net. eth<n> are its physical adapters (HardwareInterface, not Virtual);
# any other interface (a test's dummy one, say) is virtual, as a Hyper-V or VPN adapter is.
function Get-NetAdapter {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string[]]$Name = @('*'), [switch]$Physical)
  foreach ($device in Get-ChildItem -LiteralPath '/sys/class/net' -ErrorAction SilentlyContinue) {
    if ($device.Name -eq 'lo') { continue }
    $hardware = $device.Name -match '^eth\d+$'
    if ($Physical -and -not $hardware) { continue }
    $alias = Get-AdapterAlias $device.Name
    if (-not @($Name | Where-Object { $alias -like $_ })) { continue }
    $index = [uint32](Get-Content -LiteralPath "$($device.FullName)/ifindex")
    $mac = (Get-Content -LiteralPath "$($device.FullName)/address").Trim().ToUpper().Replace(':', '-')
    $state = (Get-Content -LiteralPath "$($device.FullName)/operstate").Trim()
    $object = [pscustomobject]@{
      Name                 = $alias
      InterfaceAlias       = $alias
      InterfaceDescription = $device.Name
      InterfaceIndex       = $index
      ifIndex              = $index
      Status               = $(if ($state -in @('up', 'unknown')) { 'Up' } else { 'Disconnected' })
      MacAddress           = $mac
      Virtual              = -not $hardware
      HardwareInterface    = $hardware
    }
    $object.PSObject.TypeNames.Insert(0, 'Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/MSFT_NetAdapter')
    $object
  }
}

# Get-NetNeighbor, as Microsoft's NetTCPIP reference documents it (MSFT_NetNeighbor).
# State is one of Unreachable, Incomplete, Probe, Delay, Stale, Reachable, Permanent.
function Get-NetNeighbor {
  [CmdletBinding()]
  param([string[]]$IPAddress, [ValidateSet('IPv4', 'IPv6')][string]$AddressFamily)
  $states = @{ REACHABLE = 'Reachable'; STALE = 'Stale'; DELAY = 'Delay'; PROBE = 'Probe'; PERMANENT = 'Permanent'; NOARP = 'Permanent'; INCOMPLETE = 'Incomplete'; FAILED = 'Unreachable' }
  $flag = if ($AddressFamily -eq 'IPv6') { '-6' } else { '-4' }
  $found = @()
  foreach ($line in @(& ip $flag neigh show)) {
    if ($line -notmatch '^(\S+) dev (\S+)(?: lladdr (\S+))?(?: router)? ([A-Z]+)') { continue }
    if ($IPAddress -and $Matches[1] -notin $IPAddress) { continue }
    $mac = if ($Matches[3]) { $Matches[3].ToUpper().Replace(':', '-') } else { '00-00-00-00-00-00' }
    $object = [pscustomobject]@{
      IPAddress        = $Matches[1]
      InterfaceAlias   = Get-AdapterAlias $Matches[2]
      InterfaceIndex   = [uint32](Get-Content -LiteralPath "/sys/class/net/$($Matches[2])/ifindex")
      LinkLayerAddress = $mac
      State            = $states[$Matches[4]]
      AddressFamily    = $(if ($flag -eq '-4') { 'IPv4' } else { 'IPv6' })
    }
    $object.PSObject.TypeNames.Insert(0, 'Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/MSFT_NetNeighbor')
    $found += $object
  }
  if ($IPAddress -and $found.Count -eq 0) {
    $exception = New-Object System.Management.Automation.ItemNotFoundException "No matching MSFT_NetNeighbor objects found by CIM query for instances of the ROOT/StandardCimv2/MSFT_NetNeighbor class on the  CIM server: SELECT * FROM MSFT_NetNeighbor  WHERE ((IPAddress LIKE '$($IPAddress[0])')). Verify query parameters and retry."
    $PSCmdlet.WriteError((New-Object System.Management.Automation.ErrorRecord $exception, 'CmdletizationQuery_NotFound,Get-NetNeighbor', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $IPAddress[0]))
  }
  $found
}

# Get-CimInstance of Win32_Process (ProcessId, ParentProcessId, Name, CommandLine), from /proc;
# the only filter is "ParentProcessId = <n>". Any other class or filter is refused.
# (Microsoft's Win32 provider reference, the Win32_Process class.)
function Get-CimInstance {
  [CmdletBinding()]
  param([Parameter(Position = 0, Mandatory = $true)][string]$ClassName, [string]$Filter)
  if ($ClassName -ne 'Win32_Process') { throw "The lab's Get-CimInstance knows only Win32_Process, not $ClassName" }
  $parent = $null
  if ($Filter) {
    if ($Filter -notmatch '^\s*ParentProcessId\s*=\s*(\d+)\s*$') { throw "The lab's Get-CimInstance filters only on ParentProcessId = <n>, not: $Filter" }
    $parent = [uint32]$Matches[1]
  }
  foreach ($entry in Get-ChildItem -LiteralPath '/proc' -Directory -ErrorAction SilentlyContinue) {
    if ($entry.Name -notmatch '^\d+$') { continue }
    try { $stat = [IO.File]::ReadAllText("/proc/$($entry.Name)/stat") } catch { continue }
    # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
    $close = $stat.LastIndexOf(')')
    $fields = $stat.Substring($close + 2).Split(' ')
    $ppid = [uint32]$fields[1]
    if ($null -ne $parent -and $ppid -ne $parent) { continue }
    $command = ''
    try { $command = [IO.File]::ReadAllText("/proc/$($entry.Name)/cmdline").Replace([char]0, ' ').Trim() } catch { }
    [pscustomobject]@{
      ProcessId       = [uint32]$entry.Name
      ParentProcessId = $ppid
      Name            = $stat.Substring($stat.IndexOf('(') + 1, $close - $stat.IndexOf('(') - 1)
      CommandLine     = $command
    }
  }
}

Export-ModuleMember -Function Get-Service, Start-Service, Stop-Service, Get-NetIPAddress, Get-NetAdapter, Get-NetNeighbor, Get-CimInstance, Enable-WindowsLabDrives
