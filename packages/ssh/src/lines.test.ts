import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_CHARS } from './lines.ts';

function split(chunks: string[]): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('hands on a line longer than MAX_LINE_CHARS in pieces, nothing lost', () => {
    const huge = 'x'.repeat(MAX_LINE_CHARS * 5 + 123);
    const chunks = [`a\r\n${huge.slice(0, 1000)}`];
    for (let at = 1000; at < huge.length; at += 65_536) chunks.push(huge.slice(at, at + 65_536));
    chunks.push('\nlast');
    const lines = split(chunks);
    expect(lines[0]).toBe('a');
    expect(lines.at(-1)).toBe('last');
    const pieces = lines.slice(1, -1);
    expect(pieces.every((p) => p.length <= MAX_LINE_CHARS)).toBe(true);
    expect(pieces.join('')).toBe(huge);
    expect(pieces).toHaveLength(6);
  });

  it('keeps empty lines and a last line without a newline', () => {
    expect(split(['one\n\ntwo\r\n', 'three'])).toEqual(['one', '', 'two', 'three']);
  });
});
