import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying a delivery's signature, as GitHub's `X-Hub-Signature-256`. */
export const SIGNATURE_HEADER = 'X-Benchrunner-Signature-256';
/** The header carrying a delivery's id: the same on every attempt of one delivery. */
export const DELIVERY_HEADER = 'X-Benchrunner-Delivery';
/** The header naming the event (`regression.status` or `pull_request.report`). */
export const EVENT_HEADER = 'X-Benchrunner-Event';

/** `sha256=` and the hex HMAC SHA-256 of the exact body bytes under `secret`. */
export function signBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `header` is the signature of `body` under `secret` (compared in constant time). */
export function verifySignature(
  secret: string,
  body: string | Uint8Array,
  header: string | undefined,
): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A delivery id in UUID form derived from its idempotence key: a retry after a restart keeps it. */
export function deliveryId(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
