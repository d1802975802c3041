import { describe, expect, it } from 'vitest';
import { bearerToken, keyMatcher } from '../src/auth.ts';

describe('keyMatcher', () => {
  const keys = ['first-key-0123456789', 'second-key-0123456789'];
  const matches = keyMatcher(keys);

  it('accepts every configured key', () => {
    for (const key of keys) expect(matches(key)).toBe(true);
  });

  it('rejects anything else, including near misses', () => {
    for (const wrong of [
      undefined,
      '',
      'first-key-012345678',
      'first-key-01234567890',
      'FIRST-KEY-0123456789',
      ' first-key-0123456789',
      'first-key-0123456789\n',
      `${keys[0]}${keys[1]}`,
      'x'.repeat(10_000),
    ]) {
      expect(matches(wrong), JSON.stringify(wrong)).toBe(false);
    }
  });

  it('matches nothing when no key is configured, not even an empty string', () => {
    const none = keyMatcher([]);
    expect(none('')).toBe(false);
    expect(none(undefined)).toBe(false);
    expect(none('anything')).toBe(false);
  });

  it('does not accept a missing key when an empty key is configured', () => {
    // The hash of "" equals the hash of a missing key; the matcher must still say no to undefined.
    expect(keyMatcher([''])(undefined)).toBe(false);
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header, in any case of the scheme', () => {
    expect(bearerToken('Bearer abc.DEF-123')).toBe('abc.DEF-123');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('BEARER   abc  ')).toBe('abc');
  });

  it('returns undefined for other schemes and malformed headers', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwYXNz',
      'Bearer a b',
      'Token abc',
      'Bearerabc',
    ]) {
      expect(bearerToken(header), JSON.stringify(header)).toBeUndefined();
    }
  });
});
