import { createWriteStream, type WriteStream } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** One repeat's standard output as it is being written to its file. */
export interface StdoutSink {
  write(line: string): void;
  /** Flushes and closes the file; rejects if it could not be written. */
  close(): Promise<void>;
}

/**
 * Keeps a benchmark's standard output as its result file (`results: stdout`): no shell and no
 * file on the minion, the lines the runner reports are written to a staging folder on the
 * controller, one file per repeat folder. They are staged rather than written into the archive's
 * raw folder because the retrieval of the minion's output into that folder comes after every
 * repeat and would overwrite a file of the same name the benchmark wrote itself.
 */
export class StdoutCapture {
  private readonly folders: string[] = [];

  /** `fileName` is the name the output gets in each repeat folder. */
  constructor(
    private readonly stagingDir: string,
    private readonly fileName: string,
  ) {}

  /** Starts the file of one repeat folder (`1`, `warmup-1`, ...). */
  async start(folder: string): Promise<StdoutSink> {
    const dir = path.join(this.stagingDir, folder);
    await mkdir(dir, { recursive: true });
    this.folders.push(folder);
    const stream: WriteStream = createWriteStream(path.join(dir, this.fileName));
    let failure: Error | undefined;
    stream.on('error', (error) => {
      failure ??= error;
    });
    return {
      write: (line) => {
        stream.write(`${line}\n`);
      },
      close: async () => {
        if (!stream.closed) {
          // 'close' comes after the last write is flushed, or after an error.
          const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
          stream.end();
          await closed;
        }
        if (failure) throw new Error(`cannot keep the standard output in ${dir}: ${failure.message}`);
      },
    };
  }

  /** The staged file of one repeat folder (complete once its sink is closed). */
  file(folder: string): string {
    return path.join(this.stagingDir, folder, this.fileName);
  }

  /** Copies every staged file into `rawDir/<folder>/`, over whatever was retrieved there. */
  async keep(rawDir: string): Promise<void> {
    for (const folder of this.folders) {
      await mkdir(path.join(rawDir, folder), { recursive: true });
      await copyFile(this.file(folder), path.join(rawDir, folder, this.fileName));
    }
  }
}
