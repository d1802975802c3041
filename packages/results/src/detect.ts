import type { Parser } from './formats/parser.ts';
import { PARSERS } from './formats/registry.ts';

/** How much of a file detection looks at. */
export const DETECT_BYTES = 64 * 1024;

/** The first format whose cheap check accepts the start of the content, or undefined. */
export function detectFormat(text: string): Parser | undefined {
  const head = text.length > DETECT_BYTES ? text.slice(0, DETECT_BYTES) : text;
  return PARSERS.find((p) => p.detect(head));
}

/** The parser of a format name, or undefined. */
export function findFormat(name: string): Parser | undefined {
  return PARSERS.find((p) => p.name === name);
}
