import { StringDecoder } from 'node:string_decoder';
import { TAIL_BYTES } from './command-runner.ts';

/**
 * Longest line handed on: a longer one arrives in pieces of this many characters, nothing dropped.
 * Without it a command printing 100 MB without a newline made the splitter re-join and re-split an
 * ever longer string (the worker went from 137 MB to 1.11 GB and stalled its run).
 */
export const MAX_LINE_CHARS = 64 * 1024;

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
    for (const line of parts) this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
    while (this.partial.length >= MAX_LINE_CHARS) {
      this.onLine(this.partial.slice(0, MAX_LINE_CHARS));
      this.partial = this.partial.slice(MAX_LINE_CHARS);
    }
  }

  private emit(line: string): void {
    for (let at = 0; at < line.length; at += MAX_LINE_CHARS)
      this.onLine?.(line.slice(at, at + MAX_LINE_CHARS));
    if (line.length === 0) this.onLine?.(line);
  }

  end(): void {
    const rest = this.decoder.end();
    if (rest) this.push(rest);
    if (this.partial && this.onLine) this.emit(this.partial);
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
