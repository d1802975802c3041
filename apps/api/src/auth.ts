import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented secret with every configured key in constant time: each key is hashed to
 * the same length and compared, and the loop never stops early, so neither the position nor the
 * length of a key leaks through timing.
 */
export function keyMatcher(keys: readonly string[]): (presented: string | undefined) => boolean {
  const digests = keys.map((k) => createHash('sha256').update(k).digest());
  return (presented) => {
    const candidate = createHash('sha256')
      .update(presented ?? '')
      .digest();
    let ok = false;
    for (const digest of digests) ok = timingSafeEqual(digest, candidate) || ok;
    return ok && presented !== undefined;
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer[ ]+([^\s]+)\s*$/i);
  return match?.[1];
}
