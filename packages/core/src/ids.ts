import { randomBytes } from 'node:crypto';

/**
 * A run id: sortable by creation time, unique without coordination, safe in paths, Redis keys and
 * URLs, never purely numeric (BullMQ rejects numeric custom ids).
 */
export function newRunId(now: number = Date.now()): string {
  return `r${now.toString(36)}${randomBytes(5).toString('hex')}`;
}

export const RUN_ID_PATTERN = /^r[0-9a-z]{8,12}[0-9a-f]{10}$/;
