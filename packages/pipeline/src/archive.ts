import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunManifest } from '@benchrunner/core';

/** The run's folder on the controller: the source of truth until every sink has confirmed it. */
export class RunArchive {
  readonly dir: string;
  private logStream: WriteStream | undefined;

  constructor(archiveRoot: string, runId: string) {
    this.dir = path.join(archiveRoot, runId);
  }

  async open(attempt: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Appends: a retried run keeps the log of the attempt before it.
    this.logStream = createWriteStream(path.join(this.dir, 'stdout.log'), { flags: 'a' });
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
    await this.writeJson('manifest.json', manifest);
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

  async close(): Promise<void> {
    const stream = this.logStream;
    this.logStream = undefined;
    if (!stream) return;
    stream.end();
    await once(stream, 'close');
  }
}
