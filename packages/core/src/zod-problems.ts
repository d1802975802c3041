import type { z } from 'zod';
import type { Problem } from './errors.ts';

/** Renders a zod issue path as a JSON-path-like string: `benchmarks[2].command`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Turns a ZodError into problems, one per issue, each naming the field. */
export function zodProblems(error: z.ZodError, prefix = ''): Problem[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path);
    const full = prefix && path ? `${prefix}.${path}` : prefix || path;
    return { path: full, message: issue.message };
  });
}
