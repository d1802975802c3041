import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { envBoolean, parseEnv } from './env.ts';
import { ConfigError } from './errors.ts';

const Schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  ON: envBoolean.default(true),
  SECRET: z.string().min(16),
});

describe('parseEnv', () => {
  it('applies defaults and treats empty strings as unset', () => {
    expect(parseEnv(Schema, { SECRET: 'x'.repeat(16), PORT: '' })).toEqual({
      PORT: 3000,
      ON: true,
      SECRET: 'x'.repeat(16),
    });
    expect(parseEnv(Schema, { SECRET: 'x'.repeat(16), ON: 'off' }).ON).toBe(false);
  });

  it('names every bad variable at once, a missing required one included', () => {
    try {
      parseEnv(Schema, { PORT: 'abc', ON: 'maybe' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const names = (error as ConfigError).problems.map((p) => p.path).sort();
      expect(names).toEqual(['ON', 'PORT', 'SECRET']);
      expect((error as Error).message).toContain('PORT');
    }
  });
});
