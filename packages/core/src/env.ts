import { z } from 'zod';
import { ConfigError, formatProblems } from './errors.ts';

/**
 * Parses environment variables with a zod object schema. Every bad variable is reported at once,
 * each by name, so a wrong deployment fails at start with one readable message.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  // Empty strings mean "unset": `FOO= pnpm start` should not turn into an invalid empty value.
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    path: String(issue.path[0] ?? '(environment)'),
    message: issue.message,
  }));
  throw new ConfigError(`invalid environment:\n${formatProblems(problems)}`, problems);
}

/** A boolean env var: accepts true/false/1/0/yes/no/on/off. */
export const envBoolean = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), {
    message: 'expected one of true, false, 1, 0, yes, no, on, off',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/** Log levels understood by pino. */
export const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof LogLevel>;
