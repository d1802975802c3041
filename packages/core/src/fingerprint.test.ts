import { describe, expect, it } from 'vitest';
import { EnvironmentFingerprint, environmentFingerprint, FINGERPRINT_KEYS } from './fingerprint.ts';

const env = {
  hostname: 'm1',
  cpu_model: 'AMD EPYC 7B13',
  cpu_count: '2',
  cpu_governor: 'performance',
  turbo_disabled: '1',
  aslr: '0',
  smt: 'off',
  kernel: 'Linux 6.1.0',
  node: 'v20.20.2',
  load_avg: '0.10 0.20 0.30',
  mem_available_kb: '1000',
};

describe('environmentFingerprint', () => {
  it('ignores the load, free memory and host name, and keeps every named field', () => {
    const a = environmentFingerprint(env);
    const b = environmentFingerprint({ ...env, load_avg: '1.9 1 1', mem_available_kb: '5', hostname: 'm2' });
    expect(b.hash).toBe(a.hash);
    expect(EnvironmentFingerprint.parse(a)).toEqual(a);
    expect(Object.keys(a.fields)).toEqual([...FINGERPRINT_KEYS]);
    expect(a.fields).toMatchObject({ cpu_model: 'AMD EPYC 7B13', smt: 'off', os: '' });
  });

  it('changes with each named field, whatever the order of the keys it was given', () => {
    const base = environmentFingerprint(env).hash;
    for (const key of FINGERPRINT_KEYS) {
      expect(
        environmentFingerprint({ ...env, [key]: `${env[key as keyof typeof env] ?? ''}x` }).hash,
        key,
      ).not.toBe(base);
    }
    const reversed = Object.fromEntries(Object.entries(env).reverse());
    expect(environmentFingerprint(reversed).hash).toBe(base);
  });
});
