import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Names of environment variables that hold a secret or credentials: none may have a default. */
export const SECRET_VARIABLE = /(^|_)(KEYS?|SECRET|PASSWORD|TOKEN)$|^DATABASE_URL$/;

/**
 * The variables of `names` that the README's Configuration table or .env.example leave out; an
 * app's test passes the keys of its env schema, so adding a variable without documenting it fails.
 */
export function undocumentedVariables(names: readonly string[]): { readme: string[]; envExample: string[] } {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## The API'));
  const example = readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8');
  return {
    readme: names.filter((n) => !table.includes(`\`${n}\``)),
    envExample: names.filter((n) => !new RegExp(`^#? ?${n}=`, 'm').test(example)),
  };
}
