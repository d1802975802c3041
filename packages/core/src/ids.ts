import { randomUUID } from 'node:crypto';

/**
 * A run id: sortable by creation time, unique without coordination, safe in paths, Redis keys and
 * URLs, never purely numeric (BullMQ rejects numeric custom ids).
 */
export function newRunId(now: number = Date.now()): string {
  // randomUUID draws from a pooled buffer of random bytes; randomBytes(5) made a getpid() system call
  // and an OpenSSL call per id. The first 10 hex digits of a v4 UUID are random (40 bits).
  const uuid = randomUUID();
  return `r${now.toString(36)}${uuid.slice(0, 8)}${uuid.slice(9, 11)}`;
}

export const RUN_ID_PATTERN = /^r[0-9a-z]{8,12}[0-9a-f]{10}$/;
