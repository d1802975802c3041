import { z } from 'zod';

/** A benchmark name: used in file names, queue payloads and metric tags. */
export const BenchmarkName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
    'must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

/** A file set name (a parameter of a benchmark, e.g. `One4MBFile`). */
export const FileSetName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
    'must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

/** A minion name: part of a queue name (`runs-<minion>`), so no ":" and no spaces. */
export const MinionName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    'must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

/** A free label for a run (branch, experiment). Kept to characters that are safe everywhere. */
export const Tag = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._/+-]{0,99}$/,
    'must be 1-100 letters, digits or "._/+-", starting with a letter or digit',
  );

const HEX_SHA = /^[0-9a-f]{7,64}$/i;
// Characters git forbids in ref names, plus anything a shell would read specially.
const REF_CHARS = /^[A-Za-z0-9._/-]+$/;

/** Why a string is not a safe git revision, or undefined when it is. */
export function gitRevisionProblem(value: string): string | undefined {
  if (HEX_SHA.test(value)) return undefined;
  if (value.length > 200) return 'must be at most 200 characters';
  if (!REF_CHARS.test(value))
    return 'must be a hex commit sha or a git ref of letters, digits, ".", "_", "/" and "-"';
  if (value.startsWith('-')) return 'must not start with "-"';
  if (value.startsWith('/') || value.endsWith('/')) return 'must not start or end with "/"';
  if (value.includes('..') || value.includes('//')) return 'must not contain ".." or "//"';
  if (value.endsWith('.') || value.endsWith('.lock')) return 'must not end with "." or ".lock"';
  if (value.split('/').some((part) => part.startsWith('.'))) return 'no part of a ref may start with "."';
  return undefined;
}

/** A commit: a hex sha (7-64 digits) or a safe git ref such as `main` or `refs/pull/12/head`. */
export const GitRevision = z
  .string()
  .superRefine((value, ctx) => {
    const problem = gitRevisionProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  // What JSON Schema can say of the rules (OpenAPI clients see it); the refinement checks the rest.
  .meta({
    pattern: '^[A-Za-z0-9._/-]{1,200}$',
    description:
      'a hex commit sha (7-64 digits) or a git ref: letters, digits, ".", "_", "/", "-"; no leading "-" or "/", no "..", "//", trailing "." or ".lock"',
  });

/** An environment variable name, as a POSIX shell accepts it. */
export const EnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid environment variable name');

/** Profilers the pipeline knows how to run. */
export const Profiler = z.enum(['doctor', 'flame', 'bubbleprof', 'cpu-prof', 'heap-prof']);
export type Profiler = z.infer<typeof Profiler>;
export const PROFILERS = Profiler.options;
