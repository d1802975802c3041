import { StringDecoder } from 'node:string_decoder';
import { TAIL_BYTES } from './command-runner.ts';

/** Splits a byte stream into lines (a trailing partial line is flushed at end) and keeps a tail. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private tailText = '';

  constructor(private readonly onLine?: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    this.keepTail(text);
    if (!this.onLine) return;
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  end(): void {
    const rest = this.decoder.end();
    if (rest) this.push(rest);
    if (this.partial && this.onLine) this.onLine(this.partial);
    this.partial = '';
  }

  get tail(): string {
    return this.tailText;
  }

  private keepTail(text: string): void {
    this.tailText += text;
    if (this.tailText.length > TAIL_BYTES * 2) this.tailText = this.tailText.slice(-TAIL_BYTES);
  }

  /** The tail trimmed to TAIL_BYTES characters. */
  finalTail(): string {
    return this.tailText.slice(-TAIL_BYTES);
  }
}
