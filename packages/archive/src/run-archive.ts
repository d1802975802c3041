import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunManifest, RunState } from '@benchrunner/core';
import { ArchiveReadError } from './errors.ts';
import { LOG_FILE, MANIFEST_FILE, runDir } from './paths.ts';
import { readManifest } from './read.ts';

/** The run's folder on the controller: the source of truth until every sink has confirmed it. */
export class RunArchive {
  readonly dir: string;
  private logStream: WriteStream | undefined;
  /** The first write error of the log (a full disk): reported by close(). */
  private logError: Error | undefined;

  constructor(archiveRoot: string, runId: string) {
    this.dir = runDir(archiveRoot, runId);
  }

  async open(attempt: number): Promise<void> {
    await mkdir(path.dirname(this.dir), { recursive: true });
    // Not recursive: on a read-only file system a recursive mkdir reports ENOENT, this one EROFS.
    await mkdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    // Appends: a retried run keeps the log of the attempt before it.
    this.logStream = createWriteStream(path.join(this.dir, LOG_FILE), { flags: 'a' });
    // Without a listener a failed write (ENOSPC) would be an uncaught error that kills the worker.
    this.logStream.on('error', (error) => {
      this.logError ??= error;
    });
    this.logStream.write(`=== attempt ${attempt} at ${new Date().toISOString()}\n`);
  }

  log(line: string): void {
    this.logStream?.write(`${line}\n`);
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  async writeJson(relative: string, value: unknown): Promise<void> {
    const file = this.path(relative);
    await mkdir(path.dirname(file), { recursive: true });
    // Write then rename, so a crash never leaves half a manifest.
    const tmp = `${file}.tmp`;
    await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
    await rename(tmp, file);
  }

  async writeManifest(manifest: RunManifest): Promise<void> {
    await this.writeJson(MANIFEST_FILE, manifest);
  }

  /** Packs a local folder into a tar.gz inside the archive; returns its size. */
  async pack(sourceDir: string, relative: string): Promise<number> {
    const dest = this.path(relative);
    await mkdir(path.dirname(dest), { recursive: true });
    const tar = spawn('tar', ['-czf', dest, '-C', sourceDir, '.'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(tar, 'close')) as [number | null];
    if (code !== 0) throw new Error(`tar of ${sourceDir} exited ${code}: ${stderr.trim()}`);
    return (await stat(dest)).size;
  }

  /** Closes the log; rejects with the log's write error, if it had one (the log is incomplete). */
  async close(): Promise<void> {
    const stream = this.logStream;
    this.logStream = undefined;
    if (stream && !stream.closed) {
      stream.end();
      await once(stream, 'close');
    }
    if (this.logError) throw this.logError;
  }
}

/** States a manifest may be left in while its run is still the queue's. */
const UNSETTLED: readonly RunState[] = ['active', 'waiting'];

/**
 * Brings the manifest of a run that ended without its worker (a stall, a crash, a full disk) to
 * the state the queue reports: state, error and finishedAt. A manifest that already ended is left
 * as it is. Returns the manifest when it was changed, undefined when there was none to change.
 */
export async function settleManifest(
  archiveRoot: string,
  runId: string,
  state: RunState,
  error: string,
  now = new Date(),
): Promise<RunManifest | undefined> {
  let manifest: RunManifest;
  try {
    manifest = await readManifest(archiveRoot, runId);
  } catch (error) {
    if (error instanceof ArchiveReadError && error.reason === 'missing') return undefined;
    throw error;
  }
  if (!UNSETTLED.includes(manifest.state)) return undefined;
  manifest.state = state;
  manifest.error = error;
  manifest.finishedAt = now.toISOString();
  manifest.durationMs = Math.max(0, now.getTime() - Date.parse(manifest.startedAt));
  await new RunArchive(archiveRoot, runId).writeManifest(manifest);
  return manifest;
}
