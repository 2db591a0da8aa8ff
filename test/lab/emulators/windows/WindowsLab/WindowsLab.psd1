@{
  RootModule        = 'WindowsLab.psm1'
  ModuleVersion     = '1.0.0'
  GUID              = '5d3c2f0e-8c1e-4c55-9a53-0c1f4f3a7e21'
  Description       = 'The Windows-only cmdlets the library uses, backed by the lab host''s own state.'
  FunctionsToExport = @('Get-Service', 'Start-Service', 'Stop-Service', 'Get-NetIPAddress', 'Get-NetAdapter', 'Get-NetNeighbor', 'Get-CimInstance', 'Enable-WindowsLabDrives')
  CmdletsToExport   = @()
  AliasesToExport   = @()
  VariablesToExport = @()
}
