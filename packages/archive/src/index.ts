export type { ArchiveReadReason } from './errors.ts';
export { ArchiveReadError } from './errors.ts';
export type { FinishedRun, SkippedRun } from './finished-runs.ts';
export { finishedRuns } from './finished-runs.ts';
export {
  archiveRootOf,
  carFile,
  LOG_FILE,
  MANIFEST_FILE,
  manifestFile,
  receiptsFile,
  runDir,
} from './paths.ts';
export { readArchiveJson, readManifest, readManifestFile } from './read.ts';
export type { ConfiguredSinks } from './receipts.ts';
export { behindCid, fullyPublished, PublishReceipts, readReceipts, writeReceipts } from './receipts.ts';
export { RunArchive, settleManifest } from './run-archive.ts';
