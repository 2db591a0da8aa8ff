/**
 * DataMiner versions as people write them, and the version gates of the vendor reference. Pure.
 *
 * Shape: `major.minor.feature[.patch][-build][-date][-release|-CUn]`, or `10.3.0 [CU9]` / `10.3.0 CU9`.
 * A Main Release (MR) is `10.X.0` with monthly cumulative updates (CU); a Feature Release (FR) is
 * `10.X.Y` with Y ≥ 1. Build numbers are a global counter: never compared across tracks.
 */

export interface DataMinerVersion {
  /** As given. */
  readonly text: string;
  readonly major: number;
  readonly minor: number;
  readonly feature: number;
  readonly patch: number;
  readonly build?: number;
  /** The cumulative update, when the text names one; undefined when it does not say. */
  readonly cu?: number;
  readonly track: 'main' | 'feature';
}

const FORMS = [
  // 10.2.0.0-11897-CU21, 10.4.2.0-13691, 10.5.4.0-15588-20250319-release, 10.4.0.0-14772-20240821-release
  /^(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?(?:-(\d+))?(?:-(\d{8}))?(?:-(?:CU(\d+)|release))?$/i,
  // 10.3.0 [CU9], 10.3.0 CU9, 10.3.12, 10.3.0.0 [CU9]
  /^(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?()()(?:\s+\[?CU(\d+)\]?)?$/i,
];

/** Undefined when the text is not a DataMiner version. */
export function parseDataMinerVersion(text: string): DataMinerVersion | undefined {
  const trimmed = text.trim();
  for (const form of FORMS) {
    const m = form.exec(trimmed);
    if (!m) continue;
    const [major, minor, feature] = [m[1], m[2], m[3]].map(Number);
    return {
      text: trimmed,
      major,
      minor,
      feature,
      patch: m[4] ? Number(m[4]) : 0,
      ...(m[5] ? { build: Number(m[5]) } : {}),
      ...(m[7] !== undefined && m[7] !== '' ? { cu: Number(m[7]) } : {}),
      track: feature === 0 ? 'main' : 'feature',
    };
  }
  return undefined;
}

const atLeast = (v: DataMinerVersion, major: number, minor: number, feature = 0) =>
  v.major !== major ? v.major > major : v.minor !== minor ? v.minor > minor : v.feature >= feature;

/** "From 10.2.0/10.1.8 onwards": the MR line from 10.2, or FR 10.1.8 and later. */
export function allowsSharedHostname(v: DataMinerVersion): boolean {
  return v.track === 'main' ? atLeast(v, 10, 2) : atLeast(v, 10, 1, 8);
}

export interface Gate {
  /** The gate applies. */
  readonly applies: boolean;
  /** The version string does not name the cumulative update the gate depends on: the strict reading was applied. */
  readonly assumedCu?: number;
}

/**
 * "From 10.2.0 [CU21]/10.3.0 [CU9]/10.3.12 onwards" a DMS may not mix hostname and VIP pairs: MR 10.2
 * with CU ≥ 21, MR 10.3 with CU ≥ 9, MR ≥ 10.4 (any CU), FR ≥ 10.3.12. Without a CU in the text,
 * MR 10.2 and 10.3 get the strict reading (forbidden), and say so.
 */
export function forbidsMixing(v: DataMinerVersion): Gate {
  if (v.track === 'feature') return { applies: atLeast(v, 10, 3, 12) };
  if (atLeast(v, 10, 4)) return { applies: true };
  const threshold = v.major === 10 && v.minor === 2 ? 21 : v.major === 10 && v.minor === 3 ? 9 : undefined;
  if (threshold === undefined) return { applies: false };
  if (v.cu === undefined) return { applies: true, assumedCu: threshold };
  return { applies: v.cu >= threshold };
}

/** "Prior to 10.4.0 and 10.4.2": multiple search clusters live in DBConfiguration.xml. */
export function searchClustersInDbConfiguration(v: DataMinerVersion): boolean {
  return v.track === 'main' ? !atLeast(v, 10, 4) : !atLeast(v, 10, 4, 2);
}

/** From 10.6, NATSRepair.exe is run after Failover is switched on. */
export function needsNatsRepair(v: DataMinerVersion): boolean {
  return atLeast(v, 10, 6);
}

/** gRPC (through APIGateway, on 443) is the default inter-agent connection from 10.5.10 / 10.6.0 (RN 43506). */
export function grpcByDefault(v: DataMinerVersion): boolean {
  return v.track === 'main' ? atLeast(v, 10, 6) : atLeast(v, 10, 5, 10);
}

/** The NATS account server (9090) is unsupported from 10.6.0 / 10.6.1: every agent runs BrokerGateway. */
export function natsAccountServerUnsupported(v: DataMinerVersion): boolean {
  return v.track === 'main' ? atLeast(v, 10, 6) : atLeast(v, 10, 6, 1);
}

/**
 * The vendor's known issue: after a migration to BrokerGateway, Failover configuration changes fail
 * from 10.5.0 [CU4]/10.5.7 up to 10.6.0 [CU4]/10.6.7 (fixed in 10.6.0 [CU5]/10.6.8). "maybe" when the
 * version does not say the CU that decides it.
 */
export function failoverConfigKnownIssue(v: DataMinerVersion): 'yes' | 'maybe' | 'no' {
  if (v.major !== 10) return 'no';
  if (v.track === 'feature') {
    if (v.minor === 5) return v.feature >= 7 ? 'yes' : 'no';
    if (v.minor === 6) return v.feature <= 7 ? 'yes' : 'no';
    return 'no';
  }
  if (v.minor !== 5 && v.minor !== 6) return 'no';
  if (v.cu === undefined) return 'maybe';
  return (v.minor === 5 ? v.cu >= 4 : v.cu <= 4) ? 'yes' : 'no';
}

/** Legacy MySQL/MSSQL storage is unsupported from 10.3. */
export function legacySqlUnsupported(v: DataMinerVersion): boolean {
  return atLeast(v, 10, 3);
}

/**
 * Does an installed version (from VersionHistory.txt) match a declared one? The declared text may
 * omit the build or the CU; what it gives must match. Two installed versions are compared as
 * strings: "exactly the same version", CU included.
 */
export function matchesDeclared(installed: DataMinerVersion, declared: DataMinerVersion): boolean {
  const same =
    installed.major === declared.major &&
    installed.minor === declared.minor &&
    installed.feature === declared.feature &&
    installed.patch === declared.patch;
  if (!same) return false;
  if (declared.build !== undefined && installed.build !== declared.build) return false;
  // A line without a CU says nothing about it (cuUnconfirmed): only a stated CU can differ.
  if (declared.cu !== undefined && installed.cu !== undefined && installed.cu !== declared.cu) return false;
  // A declared MR without CU matches only an installed version without CU: "exactly the same".
  if (
    declared.cu === undefined &&
    declared.track === 'main' &&
    installed.cu !== undefined &&
    declared.build === undefined
  )
    return false;
  return true;
}

/**
 * The declared CU cannot be confirmed on the agent: its VersionHistory.txt line (a main-release
 * line such as 10.4.0.0-14772-20240821-release) names no CU, and where DataMiner records the
 * installed CU is not documented.
 */
export function cuUnconfirmed(installed: DataMinerVersion, declared: DataMinerVersion): boolean {
  return declared.cu !== undefined && installed.cu === undefined;
}

/** The installed version for the version gates: the declared CU where the installed line states none. */
export function withDeclaredCu(installed: DataMinerVersion, declared: DataMinerVersion): DataMinerVersion {
  return cuUnconfirmed(installed, declared) && matchesDeclared(installed, declared)
    ? { ...installed, cu: declared.cu }
    : installed;
}

/** "10.3.0 [CU9]" / "10.3.12": how the docs write it, for messages and the runbook. */
export function displayVersion(v: DataMinerVersion): string {
  const base = `${v.major}.${v.minor}.${v.feature}`;
  return v.cu !== undefined ? `${base} [CU${v.cu}]` : base;
}
