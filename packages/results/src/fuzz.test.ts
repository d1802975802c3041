import { readdirSync } from 'node:fs';
import { ResultDocument } from '@benchrunner/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResultParseError } from './errors.ts';
import { fixturePath, readFixture } from './formats/fixture.ts';
import { parseResults } from './parse.ts';

const fixtures = readdirSync(fixturePath()).flatMap((dir) =>
  readdirSync(fixturePath(dir))
    .filter((f) => /\.(json|txt)$/.test(f))
    .map((f) => ({ dir, file: f, text: readFixture(dir, f) })),
);

/** Either a valid document or a ResultParseError; anything else fails the property. */
function check(text: string, format?: string): void {
  try {
    const doc = parseResults(text, { source: 'fuzz', ...(format ? { format } : {}) });
    ResultDocument.parse(doc);
  } catch (error) {
    if (!(error instanceof ResultParseError)) throw error;
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(/^fuzz(:\d+){0,2}: /);
  }
}

const mutation = (text: string) =>
  fc.oneof(
    fc.nat({ max: text.length }).map((n) => text.slice(0, n)),
    fc
      .tuple(fc.nat({ max: text.length }), fc.string({ maxLength: 8 }))
      .map(([i, s]) => text.slice(0, i) + s + text.slice(i + 1)),
    fc
      .tuple(
        fc.nat({ max: text.length }),
        fc.constantFrom('-1', 'NaN', '"abc"', 'null', '}', ']', ',', '\n', '1e999', '{}', '[]'),
      )
      .map(([i, s]) => text.slice(0, i) + s + text.slice(i)),
    fc
      .tuple(fc.nat({ max: text.length }), fc.nat({ max: 40 }))
      .map(([i, n]) => text.slice(0, i) + text.slice(i + n)),
  );

describe('fuzzed and truncated fixtures', () => {
  for (const { dir, file, text } of fixtures) {
    it(`${dir}/${file}: a document or a ResultParseError`, () => {
      fc.assert(
        fc.property(mutation(text), fc.boolean(), (mutated, auto) => check(mutated, auto ? undefined : dir)),
        { numRuns: 150 },
      );
    });
  }

  it('every truncation of a small fixture of each format', () => {
    for (const { dir, text } of fixtures) {
      if (text.length > 20_000) continue;
      for (let n = 0; n < text.length; n += Math.max(1, Math.floor(text.length / 200)))
        check(text.slice(0, n), dir);
    }
  });

  it('random text under every format', () => {
    const names = [...new Set(fixtures.map((f) => f.dir))];
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.constantFrom(...names, 'auto'), (s, f) => check(s, f)),
      { numRuns: 300 },
    );
  });
});
