/**
 * Which environment variable holds which database's password. Each `<DataBase>` of DB.xml has its
 * own `<UID>`/`<PWD>`, and an encrypted `<PWD>` decrypts only on the agent that wrote it: the
 * backup gets each database's plain text, from the variable named for it. Pure.
 */
import { DatabaseEntry, describeDatabase } from './parse';
import type { StorageConfig } from './props';

export interface PasswordSources {
  /** The variable holding each database's password, by its position in DB.xml. */
  readonly byPosition: ReadonlyMap<number, string>;
  /** Why some database's password cannot be found: each names the entries and the fix. */
  readonly problems: readonly string[];
}

/**
 * Each database with a `<PWD>` gets the variable `passwordEnvs` names for its ID, else for its
 * type; `passwordEnv` stands for the password of the only database that has one, never for several.
 */
export function passwordSources(entries: readonly DatabaseEntry[], storage: StorageConfig): PasswordSources {
  const byPosition = new Map<number, string>();
  const problems: string[] = [];
  if (storage.type !== 'dedicated-clustered') return { byPosition, problems };
  const named = storage.passwordEnvs;
  const needing = entries.filter((e) => e.hasPassword);
  const unnamed: DatabaseEntry[] = [];
  for (const entry of needing) {
    const env =
      (entry.id !== undefined ? named[entry.id] : undefined) ??
      (entry.type !== undefined ? named[entry.type] : undefined);
    if (env) byPosition.set(entry.position, env);
    else unnamed.push(entry);
  }
  if (unnamed.length === 1 && needing.length === 1 && storage.passwordEnv)
    byPosition.set(unnamed[0].position, storage.passwordEnv);
  else if (unnamed.length > 0)
    problems.push(
      `the primary's DB.xml has ${needing.length === 1 ? 'a database' : `${needing.length} databases`} with a password, and none is given for ${unnamed.map(describeDatabase).join(', ')}${storage.passwordEnv && needing.length > 1 ? ' (storage.passwordEnv stands for one database only)' : ''}: name the environment variable of each in storage.passwordEnvs, by its ID (or its type when it has none)`,
    );
  const known = new Set(entries.flatMap((e) => [e.id, e.type].filter((k): k is string => k !== undefined)));
  const stray = Object.keys(named).filter((key) => !known.has(key));
  if (stray.length > 0)
    problems.push(
      `storage.passwordEnvs names ${stray.map((k) => `"${k}"`).join(', ')}, which no <DataBase> of the primary's DB.xml has as its ID or type`,
    );
  return { byPosition, problems };
}
