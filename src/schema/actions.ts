import { z } from 'zod';
import { parseXmlKey } from '../edit/xml';
import { parseYamlKey } from '../edit/yaml';
import { hasControlCharacters, MAX_PATH_LENGTH, PATH_TOO_LONG } from './common';
import { isToken } from './token';

/** An absolute path: `/etc/motd` on Linux, `C:\\ProgramData\\x` (or a UNC path) on Windows. */
export const ABSOLUTE_POSIX_PATH = /^\//;
export const ABSOLUTE_WINDOWS_PATH = /^([A-Za-z]:[\\/]|\\\\)/;

const pathSchema = z
  .string({ error: 'expected an absolute file path on the host, such as /etc/motd' })
  .min(1, { error: 'expected a file path on the host' })
  .max(MAX_PATH_LENGTH, { error: PATH_TOO_LONG })
  .refine((v) => !hasControlCharacters(v), {
    error: 'a path may not contain control characters or newlines',
  })
  .refine((v) => isToken(v) || ABSOLUTE_POSIX_PATH.test(v) || ABSOLUTE_WINDOWS_PATH.test(v), {
    // A relative path would land wherever the login shell starts: the user's home directory.
    error:
      "expected an absolute path (such as /etc/motd, or C:\\ProgramData\\app.ini on Windows); a relative path would be written under the login user's home directory",
  });

/** A user or group as chown takes it: a POSIX name or a numeric ID. */
const ownerSchema = z
  .string({ error: 'expected a user or group name such as "dauser", or a numeric ID' })
  .regex(/^([a-z_][a-z0-9_-]{0,31}\$?|\d{1,10})$/, {
    error:
      'expected a POSIX user or group name (lower-case letters, digits, "_" or "-", starting with a letter or "_", at most 32 characters) or a numeric ID',
  });

/** Whether a config key is one the format's editor can address; the reason when it is not. */
export function configKeyProblem(format: 'yaml' | 'ini' | 'xml', key: string): string | undefined {
  try {
    if (format === 'yaml') parseYamlKey(key);
    else if (format === 'xml') parseXmlKey(key);
    else if (/[\r\n=[\]]/.test(key) || key.startsWith('.') || key.endsWith('.'))
      return 'expected an INI key as "section.key" (or "key" before any section), without "=", "[", "]" or line breaks';
    return undefined;
  } catch (error) {
    return `expected a ${format.toUpperCase()} key path: ${(error as Error).message}`;
  }
}

const notifySchema = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, {
  error: 'expected a notification name: lower-case letters, digits, "." and "-"',
});

/**
 * No NUL in anything that becomes a command: the kernel ends an argument at a NUL (execve takes C
 * strings), and a framed script or value with one in it is not what the user wrote. Refused here,
 * rather than failing on the host at apply.
 */
const NO_NUL = 'a command cannot contain a NUL character (the kernel ends an argument there); remove it';
const commandTextSchema = z
  .string({ error: 'expected a string' })
  .refine((v) => !v.includes('\0'), { error: NO_NUL });

const remoteCommandSchema = z.union(
  [
    z.strictObject({
      argv: z.array(commandTextSchema).min(1, { error: 'expected at least a program name' }),
    }),
    z.strictObject({
      powershell: commandTextSchema.min(1),
      vars: z.record(z.string().regex(/^[A-Za-z_]\w*$/), commandTextSchema).optional(),
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
      owner: ownerSchema.optional(),
      group: ownerSchema.optional(),
      notifies: notifySchema.optional(),
    }),
    z
      .strictObject({
        kind: z.literal('config'),
        format: z.enum(['yaml', 'ini', 'xml'], { error: 'expected "yaml", "ini" or "xml"' }),
        path: pathSchema,
        settings: z.array(z.strictObject({ key: z.string().min(1), value: configValueSchema })).min(1),
        createIfMissing: z.boolean({ error: 'expected true or false' }).optional(),
        notifies: notifySchema.optional(),
      })
      .superRefine((action, ctx) => {
        action.settings.forEach((setting, i) => {
          const problem = configKeyProblem(action.format, setting.key);
          if (problem)
            ctx.addIssue({
              code: 'custom',
              path: ['settings', i, 'key'],
              input: setting.key,
              message: problem,
            });
          const value = setting.value;
          if (action.format !== 'yaml' && Array.isArray(value))
            ctx.addIssue({
              code: 'custom',
              path: ['settings', i, 'value'],
              input: value,
              message: `a list can only be set in YAML; give ${action.format.toUpperCase()} a single value`,
            });
          if (action.format === 'ini' && typeof value === 'string' && /[\r\n]/.test(value))
            ctx.addIssue({
              code: 'custom',
              path: ['settings', i, 'value'],
              input: value,
              message: 'an INI value may not contain a line break: it would end the key and start a new line',
            });
          if (typeof value === 'number' && !Number.isFinite(value))
            ctx.addIssue({
              code: 'custom',
              path: ['settings', i, 'value'],
              input: value,
              message: 'expected a finite number',
            });
        });
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
      description: z
        .string()
        .min(1, { error: 'describe what the command achieves, for the progress lines' })
        .max(1000, { error: 'expected a description of at most 1000 characters: it is a progress line' }),
      check: remoteCommandSchema.optional(),
      run: remoteCommandSchema,
      verify: remoteCommandSchema.optional(),
      whenNotified: notifySchema.optional(),
      notifies: notifySchema.optional(),
    }),
  ],
  { error: 'expected an action of kind "file", "config", "line" or "command"' },
);
