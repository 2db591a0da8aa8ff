/**
 * declaredSchema: a construct's schema is checked against its declared props and config types by
 * the compiler, with no cast that could hide a drift. The @ts-expect-error lines are the test: the
 * build (tsc, in `npm run lint`) fails if a drifted schema is ever accepted.
 */
import { z } from 'zod';
import { declaredSchema } from '../../src/schema/common';

interface Props {
  readonly names: readonly string[];
  readonly port?: number;
}
interface Config {
  readonly names: readonly string[];
  readonly port: number;
}
const schema = z
  .object({ names: z.array(z.string()), port: z.number().optional() })
  .transform((p) => ({ names: p.names, port: p.port ?? 22 }));

describe('declaredSchema', () => {
  it('returns the schema itself when its types are the declared ones', () => {
    const declared = declaredSchema<Config, Props>()(schema);
    expect(declared).toBe(schema);
    expect(declared.parse({ names: ['a'] })).toEqual({ names: ['a'], port: 22 });
  });

  it('does not compile a schema whose output, or whose accepted input, drifted from the declared types', () => {
    const outputDrift = z.object({ names: z.array(z.string()), port: z.string() });
    // @ts-expect-error the schema outputs a string port where the config type holds a number
    declaredSchema<Config, Props>()(outputDrift);
    const inputDrift = z.object({ names: z.array(z.string()), port: z.number() });
    // @ts-expect-error the schema requires port, which the props type leaves optional
    declaredSchema<Config, Props>()(inputDrift);
    const missing = z.object({ names: z.array(z.string()) });
    // @ts-expect-error the config type holds a port the schema never outputs
    declaredSchema<Config, Props>()(missing);
  });
});
