import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Construct, IConstruct } from 'constructs';
import { AssetType, TerraformAsset } from '../../src/cdktf';
import { reportFinding, RuleAcknowledgement } from '../../src/rules';
import type { ValidationProblem } from '../../src/errors';
import { parsePropsAtSynth, validateAtSynth } from '../../src/validate-at-synth';
import { DataMinerSystemLike, DataMinerSystemProps, dataMinerSystemSchema } from './props';
import { PairSummary, SYSTEM_RULES, systemFindings } from './system-rules';
import { DataMinerVersion, parseDataMinerVersion } from './versions';

/** A pair as the system's rules see it, with the construct its findings are reported on. */
export interface RegisteredPair extends PairSummary {
  readonly construct: IConstruct;
  /** Advice the pair itself accepted, for its own findings. */
  readonly acknowledge: readonly RuleAcknowledgement[];
}

/**
 * Applies the rules to the pairs: errors become problems of the synth's ValidationError (on the
 * pair, the property and the rule id), advice becomes a warning unless acknowledged.
 */
export function applySystemRules(
  version: DataMinerVersion,
  pairs: readonly RegisteredPair[],
  acknowledged: ReadonlyMap<string, string>,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const byPath = new Map(pairs.map((p) => [p.path, p]));
  for (const f of systemFindings(version, pairs)) {
    if (f.level === 'error')
      problems.push({
        constructPath: f.pairPath,
        propertyPath: f.property,
        received: f.received,
        expected: `[${f.ruleId}] ${f.message}`,
      });
    else
      reportFinding(
        byPath.get(f.pairPath)!.construct,
        {
          ruleId: f.ruleId,
          message: f.message,
          ...(f.acknowledged ? { acknowledgedBy: f.acknowledged } : {}),
        },
        new Map([
          ...acknowledged,
          ...byPath.get(f.pairPath)!.acknowledge.map((a) => [a.id, a.reason] as const),
        ]),
        'on the DataMinerSystem (or the pair)',
      );
  }
  return problems;
}

/**
 * A DataMiner System: the version every agent runs and the rules across its Failover pairs (a DMS
 * does not mix hostname and virtual-IP pairs). Every pair of the system reports its problems in
 * the same synth.
 */
export class DataMinerSystem extends Construct implements DataMinerSystemLike {
  /** The declared version, parsed. */
  public readonly version: DataMinerVersion;
  private readonly pairs: RegisteredPair[] = [];
  private readonly acknowledged = new Map<string, string>();

  constructor(scope: Construct, id: string, props: DataMinerSystemProps) {
    super(scope, id);
    const config = parsePropsAtSynth(this, dataMinerSystemSchema, props);
    this.version = parseDataMinerVersion(config?.version ?? '0.0.0')!;
    for (const a of config?.acknowledge ?? []) this.acknowledged.set(a.id, a.reason);
    validateAtSynth(this, () => this.problems());
  }

  /** Called by each pair of this system. */
  registerPair(pair: RegisteredPair): void {
    this.pairs.push(pair);
  }

  private problems(): ValidationProblem[] {
    const known = new Set(SYSTEM_RULES.map((r) => r.id));
    const unknown: ValidationProblem[] = [...this.acknowledged.keys()]
      .filter((id) => !known.has(id))
      .map((id) => ({
        constructPath: this.node.path,
        propertyPath: 'acknowledge',
        received: JSON.stringify(id),
        expected: `expected the id of a rule that advises: ${[...known].join(', ')}`,
      }));
    return [...unknown, ...applySystemRules(this.version, this.pairs, this.acknowledged)];
  }
}

/** Writes the runbook into the synthesized stack folder, as an asset of the pair. */
export function runbookAsset(scope: Construct, markdown: string): TerraformAsset {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dataminer-runbook-'));
  const file = path.join(dir, 'failover-runbook.md');
  fs.writeFileSync(file, markdown);
  return new TerraformAsset(scope, 'Runbook', { path: file, type: AssetType.FILE });
}
