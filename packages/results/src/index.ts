export { detectFormat } from './detect.ts';
export { ResultParseError } from './errors.ts';
export type { LineParser, Parser } from './formats/parser.ts';
export { mergeResults } from './merge.ts';
export type { ParseOptions } from './parse.ts';
export { listFormats, parseResultFile, parseResults } from './parse.ts';

// -- statistics
