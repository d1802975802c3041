import path from 'node:path';

/*
 * The archive's layout on the controller (`DATA_DIR/runs` by default):
 *
 *   <archiveRoot>/<id>/               the run's folder: manifest.json, stdout.log, results, profiles
 *   <archiveRoot>/<id>.publish.json   what each sink confirmed (outside the folder: the folder's
 *                                     CID must not depend on whether it was published)
 *   <archiveRoot>/<id>.car            the folder as a CAR file, when the artifact store is `car`
 */

/** The manifest's name inside the run's folder. */
export const MANIFEST_FILE = 'manifest.json';
/** The run's log inside its folder: every attempt's lines, appended. */
export const LOG_FILE = 'stdout.log';

/** The archive in the controller's data directory: `DATA_DIR/runs`. */
export function archiveRootOf(dataDir: string): string {
  return path.join(dataDir, 'runs');
}

/** The run's folder: the source of truth until every sink has confirmed it. */
export function runDir(archiveRoot: string, runId: string): string {
  return path.join(archiveRoot, runId);
}

/** The run's manifest, `<id>/manifest.json`. */
export function manifestFile(archiveRoot: string, runId: string): string {
  return path.join(runDir(archiveRoot, runId), MANIFEST_FILE);
}

/** The run's publish receipts, `<id>.publish.json`, beside its folder. */
export function receiptsFile(archiveRoot: string, runId: string): string {
  return path.join(archiveRoot, `${runId}.publish.json`);
}

/** The run's folder as a CAR file, `<id>.car`, beside its folder (the `car` artifact store writes it). */
export function carFile(archiveRoot: string, runId: string): string {
  return path.join(archiveRoot, `${runId}.car`);
}
