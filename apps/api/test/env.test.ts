import { SECRET_VARIABLE, undocumentedVariables } from '@benchrunner/testing';
import { describe, expect, it } from 'vitest';
import { ApiEnv } from '../src/env.ts';

const names = Object.keys(ApiEnv.shape);

describe('the API environment', () => {
  it('names every variable in the README table and in .env.example', () => {
    expect(names.length).toBeGreaterThan(15);
    expect(undocumentedVariables(names)).toEqual({ readme: [], envExample: [] });
  });

  it('has no default for a secret', () => {
    const secrets = names.filter((n) => SECRET_VARIABLE.test(n));
    expect(secrets.sort()).toEqual(['API_KEYS', 'DATABASE_URL', 'GITHUB_WEBHOOK_SECRET']);
    const parsed: Record<string, unknown> = ApiEnv.parse({});
    expect(secrets.filter((n) => parsed[n] !== undefined)).toEqual([]);
  });
});
