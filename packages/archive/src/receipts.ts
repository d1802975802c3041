import { rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { ArchiveReadError } from './errors.ts';
import { receiptsFile } from './paths.ts';
import { readArchiveJson } from './read.ts';

/** What each sink confirmed for a run. Kept beside the run's folder: `<id>.publish.json`. */
export const PublishReceipts = z.object({
  artifacts: z
    .object({
      store: z.string(),
      cid: z.string(),
      url: z.string().optional(),
      file: z.string().optional(),
      at: z.string(),
    })
    .optional(),
  metrics: z
    .object({ sink: z.string(), points: z.number().int(), cid: z.string().optional(), at: z.string() })
    .optional(),
  /** The results database (history): one row per series point, rewritten idempotently. */
  results: z
    .object({ db: z.string(), points: z.number().int(), cid: z.string().optional(), at: z.string() })
    .optional(),
  /** The last failure of each sink, for the run's publish state. */
  errors: z.record(z.string(), z.string()).default({}),
});
export type PublishReceipts = z.infer<typeof PublishReceipts>;

/**
 * The run's receipts; none yet (no file) reads as no confirmation. A file that cannot be read or
 * is not receipts is an ArchiveReadError naming it.
 */
export async function readReceipts(archiveRoot: string, runId: string): Promise<PublishReceipts> {
  try {
    return await readArchiveJson(receiptsFile(archiveRoot, runId), PublishReceipts, 'publish receipt');
  } catch (error) {
    if (error instanceof ArchiveReadError && error.reason === 'missing') return { errors: {} };
    throw error;
  }
}

/** Replaces the run's receipts; write then rename, so a reader never sees half a file. */
export async function writeReceipts(
  archiveRoot: string,
  runId: string,
  receipts: PublishReceipts,
): Promise<void> {
  const file = receiptsFile(archiveRoot, runId);
  await writeFile(`${file}.tmp`, `${JSON.stringify(receipts, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

/** True when a sink's receipt is missing or lacks the archive's CID it should carry. */
export function behindCid(receipt: { cid?: string } | undefined, cid: string | undefined): boolean {
  return !receipt || (cid !== undefined && receipt.cid !== cid);
}

/** The sinks a worker has configured, whose receipts a run needs to count as published. */
export interface ConfiguredSinks {
  artifacts: boolean;
  metrics: boolean;
  results?: boolean;
}

/** True when every configured sink has confirmed the run (and the metrics and results carry the CID). */
export function fullyPublished(receipts: PublishReceipts, sinks: ConfiguredSinks): boolean {
  if (sinks.artifacts && !receipts.artifacts) return false;
  const cid = receipts.artifacts?.cid;
  if (sinks.metrics && behindCid(receipts.metrics, cid)) return false;
  if (sinks.results && behindCid(receipts.results, cid)) return false;
  return true;
}
