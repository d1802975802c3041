import { describe, expect, it } from 'vitest';
import { MalformedJsonError, PayloadScanner } from './webhook-payload.ts';

const WANTED = new Set([
  'after',
  'deleted',
  'repository.full_name',
  'pull_request.number',
  'pull_request.head.sha',
]);

/** What the scanner makes of `text` fed in chunks of `size` bytes. */
function scan(text: string, size: number): { payload: Record<string, unknown>; object: boolean } {
  const bytes = Buffer.from(text);
  const scanner = new PayloadScanner(WANTED);
  for (let i = 0; i < bytes.length; i += size) scanner.write(bytes.subarray(i, i + size));
  return { payload: scanner.end(), object: scanner.rootIsObject };
}

/** The wanted fields of a parsed value, the way the scanner returns them. */
function expected(value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const path of WANTED) {
    let node: unknown = value;
    for (const part of path.split('.'))
      node =
        typeof node === 'object' && node !== null && !Array.isArray(node)
          ? (node as Record<string, unknown>)[part]
          : undefined;
    if (node === undefined || (typeof node === 'object' && node !== null)) continue;
    let target = out;
    const parts = path.split('.');
    for (const part of parts.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts.at(-1)!] = node;
  }
  return out;
}

const VALID = [
  '{}',
  ' { "after" : "abc" } ',
  '{"after":"a\\"b\\\\c\\u00e9\\n","deleted":false,"x":[1,2,{"after":"no"}],"y":{"after":"no"}}',
  '{"repository":{"full_name":"acme/pr\u00f6ject","id":12},"pull_request":{"number":42,"head":{"sha":"0123","ref":"x"}}}',
  '{"pull_request":{"head":{}},"deleted":true,"after":null}',
  '{"after":"first","after":"second"}',
  '{"n":-1.5e+10,"m":0,"o":[true,false,null,[],{}],"s":"\\/\\b\\f\\r\\t"}',
  '{"pull_request":{"number":-0.5E3}}',
  '[]',
  '"just a string"',
  '12',
  '{"a":"\u2028 \ud83d\ude00"}',
];

const INVALID = [
  '',
  '   ',
  'not json',
  '{',
  '{"a"}',
  '{"a":}',
  '{"a":1,}',
  '{,"a":1}',
  '{"a":1}}',
  '{"a":1} x',
  '[1,]',
  '[1 2]',
  '{"a":01}',
  '{"a":1.}',
  '{"a":-}',
  '{"a":tru}',
  '{"a":nulll}',
  '{"a":"\\x"}',
  '{"a":"\\u12g4"}',
  '{"a":"tab\there"}',
  "{'a':1}",
  '{"a":[}',
  '{"a":{]}',
  '{"after":"unterminated}',
];

describe('PayloadScanner', () => {
  it('accepts what JSON.parse accepts and finds the same wanted values, however the body is split', () => {
    for (const text of VALID) {
      const parsed = JSON.parse(text) as unknown;
      for (const size of [1, 2, 7, 1_000_000]) {
        const { payload, object } = scan(text, size);
        expect(payload, `${text} in ${size}-byte chunks`).toEqual(expected(parsed));
        expect(object).toBe(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed));
      }
    }
  });

  it('refuses what JSON.parse refuses, naming the byte', () => {
    for (const text of INVALID) {
      expect(() => JSON.parse(text), text).toThrow();
      for (const size of [1, 3, 1_000_000]) {
        expect(() => scan(text, size), `${text} in ${size}-byte chunks`).toThrow(MalformedJsonError);
      }
    }
    expect(() => scan('{"a":1,}', 100)).toThrow(/at byte 7/);
  });

  it('keeps no more than a wanted value: a 20 MB string elsewhere is skipped, a huge wanted one noted', () => {
    const big = 'y'.repeat(20 * 1024 * 1024);
    expect(scan(`{"filler":"${big}","after":"abc"}`, 65536).payload).toEqual({ after: 'abc' });
    expect(scan(`{"after":"${'a'.repeat(5000)}"}`, 65536).payload).toEqual({
      after: '(a string longer than 1024 bytes)',
    });
    expect(() => scan(`${'['.repeat(600)}${']'.repeat(600)}`, 65536)).toThrow(/nesting deeper than 512/);
  });
});
