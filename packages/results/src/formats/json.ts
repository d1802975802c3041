import { type Fail, linePosition } from './parser.ts';

/** A JSON value as parsed; objects are plain records. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** 1-based line and column of a character offset. */
function offsetToPosition(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return linePosition(line, end - lineStart + 1);
}

const WS = new Set([' ', '\t', '\n', '\r']);

/**
 * Finds the offset of the first JSON syntax error. V8's messages do not always carry a position
 * (`Unexpected token 'a', "abc" is not valid JSON`), so on failure we scan once more ourselves.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && WS.has(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') {
      string();
      return;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += (m as RegExpExecArray)[0].length;
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail();
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else {
          i++;
          fail();
        }
      } else i++;
    }
    fail();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
  // Our scan found nothing (should not happen): point at the end.
  return text.length;
}

/** JSON.parse with a located, one-line error. */
export function parseJson(text: string, fail: Fail): Json {
  if (text.trim() === '') fail('line 1, column 1', 'empty file');
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    const offset = jsonErrorOffset(text);
    const atEnd = offset >= text.length;
    const what = atEnd
      ? 'truncated JSON (unexpected end of input)'
      : `invalid JSON near ${JSON.stringify(text.slice(offset, offset + 12))}`;
    return fail(offsetToPosition(text, offset), what, error);
  }
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Appends a key or index to a JSON path: `$[2].duration.ms`, `$["a b"]`. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Short description of a wrong value for messages. */
export function describe(v: Json | undefined): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Typed access to parsed JSON that fails with the JSON path of a wrong field. */
export class JsonReader {
  constructor(readonly fail: Fail) {}

  object(v: Json | undefined, path: string): JsonObject {
    if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) {
      return this.fail(path, `expected an object, got ${describe(v)}`);
    }
    return v;
  }

  array(v: Json | undefined, path: string): Json[] {
    if (!Array.isArray(v)) return this.fail(path, `expected an array, got ${describe(v)}`);
    return v;
  }

  string(v: Json | undefined, path: string): string {
    if (typeof v !== 'string' || v === '')
      return this.fail(path, `expected a non-empty string, got ${describe(v)}`);
    return v;
  }

  optString(v: Json | undefined, path: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    return this.string(v, path);
  }

  /** A finite number, non-negative unless `signed`. */
  number(v: Json | undefined, path: string, signed = false): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || (!signed && v < 0)) {
      return this.fail(path, `expected a ${signed ? '' : 'non-negative '}number, got ${describe(v)}`);
    }
    return v;
  }

  optNumber(v: Json | undefined, path: string, signed = false): number | undefined {
    if (v === undefined || v === null) return undefined;
    return this.number(v, path, signed);
  }

  /** An array of non-negative numbers. */
  numbers(v: Json | undefined, path: string): number[] {
    const arr = this.array(v, path);
    const out = new Array<number>(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i];
      out[i] = typeof x === 'number' && x >= 0 && Number.isFinite(x) ? x : this.number(x, at(path, i));
    }
    return out;
  }

  /**
   * Like {@link numbers}, but checks and scales the parsed array in place instead of copying it:
   * for large sample arrays (pytest-benchmark's `data`) the copy would double their memory.
   */
  scaledNumbers(v: Json | undefined, path: string, factor: number): number[] {
    const arr = this.array(v, path) as unknown[];
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i];
      arr[i] =
        (typeof x === 'number' && x >= 0 && Number.isFinite(x) ? x : this.number(x as Json, at(path, i))) *
        factor;
    }
    return arr as number[];
  }

  /** A scalar shown as a param value. */
  param(v: Json | undefined, path: string): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(path, `expected a string, number or boolean, got ${describe(v)}`);
  }
}
