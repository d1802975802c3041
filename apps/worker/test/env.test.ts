import { SECRET_VARIABLE, undocumentedVariables } from '@benchrunner/testing';
import { describe, expect, it } from 'vitest';
import { WorkerEnv } from '../src/env.ts';

const names = Object.keys(WorkerEnv.shape);

describe('the worker environment', () => {
  it('names every variable in the README table and in .env.example', () => {
    expect(names.length).toBeGreaterThan(20);
    expect(undocumentedVariables(names)).toEqual({ readme: [], envExample: [] });
  });

  it('has no default for a secret', () => {
    const secrets = names.filter((n) => SECRET_VARIABLE.test(n));
    expect(secrets.sort()).toEqual([
      'ALERT_WEBHOOK_SECRET',
      'DATABASE_URL',
      'GITHUB_TOKEN',
      'INFLUX_PASSWORD',
      'INFLUX_TOKEN',
      'IPFS_BEARER_TOKEN',
      'IPFS_PASSWORD',
    ]);
    const parsed: Record<string, unknown> = WorkerEnv.parse({});
    expect(secrets.filter((n) => parsed[n] !== undefined)).toEqual([]);
  });
});
