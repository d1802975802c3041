import type { Parser } from './parser.ts';
import { seedParser } from './seed.ts';

/**
 * Every format, in detection order: the more specific checks come first so that a file matching
 * two loose checks goes to the stricter format.
 */
export const PARSERS: readonly Parser[] = [seedParser];
