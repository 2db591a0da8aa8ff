/**
 * DataMiner's own names, from the vendor reference: its process, the files under the install
 * folder, the tool that stops and starts it, the IIS module a hostname pair needs.
 */
/** The process of a running DataMiner (SLDataMiner.exe); its service name is not documented. */
export const DATAMINER_PROCESS = 'SLDataMiner';
export const DATAMINER_FILES = {
  dataMiner: 'DataMiner.xml',
  dms: 'DMS.xml',
  db: 'DB.xml',
  maintenance: 'MaintenanceSettings.xml',
  versionHistory: 'Upgrades\\VersionHistory.txt',
  elements: 'Elements',
} as const;
/** The licence the vendor returns for a Request.lic. */
export const LICENCE_FILES = ['dataminer.lic', 'response.lic'] as const;
/** Before 10.4.0/10.4.2, multiple search clusters; its folder is given two ways in the docs. */
export const DB_CONFIGURATION_FOLDERS = ['Database', 'Databases'] as const;
export const DB_CONFIGURATION_FILE = 'DBConfiguration.xml';
/**
 * The documented way to stop and start DataMiner: `start /wait SLTaskbarUtility.exe -stop|-start`,
 * its result in %errorlevel%, from the Skyline Taskbar Utility's folder.
 */
export const DEFAULT_TASKBAR_UTILITY =
  'C:\\Program Files (x86)\\Skyline Communications\\Skyline Taskbar Utility\\SLTaskbarUtility.exe';
/** IIS Application Request Routing, which a shared-hostname pair needs on both agents. */
export const ARR_FOLDER = 'C:\\Program Files\\IIS\\Application Request Routing';
/** From 10.6, run after Failover is switched on. */
export const NATS_REPAIR = 'Tools\\NATSRepair.exe';

export const inInstallDir = (installDir: string, relative: string) => `${installDir}\\${relative}`;

/**
 * Where Npcap (or WinPcap) leaves its capture library, which virtual IP pairs need on both agents.
 * The vendor's documentation names the requirement, not a file to check: these are the packages'
 * own install locations, and the pair's `packetCaptureFiles` replaces them.
 */
export const DEFAULT_PACKET_CAPTURE_FILES = [
  'C:\\Windows\\System32\\Npcap\\wpcap.dll',
  'C:\\Windows\\System32\\wpcap.dll',
] as const;
