import { z } from 'zod';
import { hasControlCharacters } from './common';

const pathSchema = z
  .string()
  .min(1, { error: 'expected a file path on the host' })
  .refine((v) => !hasControlCharacters(v), {
    error: 'a path may not contain control characters or newlines',
  });

const notifySchema = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, {
  error: 'expected a notification name: lower-case letters, digits, "." and "-"',
});

const remoteCommandSchema = z.union(
  [
    z.strictObject({ argv: z.array(z.string()).min(1, { error: 'expected at least a program name' }) }),
    z.strictObject({
      powershell: z.string().min(1),
      vars: z.record(z.string().regex(/^[A-Za-z_]\w*$/), z.string()).optional(),
    }),
  ],
  {
    error:
      'expected { argv: ["program", "arg", ...] } for Linux or { powershell: "script", vars: {...} } for Windows',
  },
);

const configValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

/** The built-in actions a HostSteps step accepts. */
export const builtinActionSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('file'),
      path: pathSchema,
      content: z.string(),
      mode: z
        .string()
        .regex(/^0?[0-7]{3,4}$/, { error: 'expected an octal mode such as "0644"' })
        .optional(),
      owner: z.string().min(1).optional(),
      group: z.string().min(1).optional(),
      notifies: notifySchema.optional(),
    }),
    z.strictObject({
      kind: z.literal('config'),
      format: z.enum(['yaml', 'ini', 'xml'], { error: 'expected "yaml", "ini" or "xml"' }),
      path: pathSchema,
      settings: z.array(z.strictObject({ key: z.string().min(1), value: configValueSchema })).min(1),
      notifies: notifySchema.optional(),
    }),
    z.strictObject({
      kind: z.literal('line'),
      path: pathSchema,
      line: z.string().refine((v) => !/[\r\n]/.test(v), { error: 'a line may not contain a line break' }),
      match: z
        .string()
        .refine(
          (v) => {
            try {
              new RegExp(v);
              return true;
            } catch {
              return false;
            }
          },
          { error: 'expected a valid regular expression' },
        )
        .optional(),
      state: z.enum(['present', 'absent']).optional(),
      create: z.boolean().optional(),
      notifies: notifySchema.optional(),
    }),
    z.strictObject({
      kind: z.literal('command'),
      description: z.string().min(1, { error: 'describe what the command achieves, for the progress lines' }),
      check: remoteCommandSchema.optional(),
      run: remoteCommandSchema,
      verify: remoteCommandSchema.optional(),
      whenNotified: notifySchema.optional(),
      notifies: notifySchema.optional(),
    }),
  ],
  { error: 'expected an action of kind "file", "config", "line" or "command"' },
);
