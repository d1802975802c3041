import { type Series, SeriesMerger } from '../merge.ts';
import {
  type Fail,
  failer,
  type LineParser,
  linePosition,
  mergedDocument,
  type Parser,
  parseByLines,
  parseNumber,
} from './parser.ts';

const NAME = 'go-bench';

const BENCH_LINE = /^(Benchmark\S*)\s+(\d+)\s+(.*)$/;
const SUFFIX = /^(.*?)-(\d+)$/;
const WS = /\s+/;

/** How go's units map to the model: measure name, unit, factor. */
const UNITS = new Map<string, readonly [string, string, number]>([
  ['ns/op', ['latency', 'ns', 1]],
  ['MB/s', ['bytes_per_second', 'bytes/s', 1e6]],
  ['B/op', ['alloc_bytes', 'bytes', 1]],
  ['allocs/op', ['allocs', 'allocs/op', 1]],
]);
const UNIT_BYTES = [...UNITS.keys()].map((u) => Buffer.from(u, 'latin1'));
const UNIT_CONVS = [...UNITS.values()];

const PREFIX = 'Benchmark';
/** Powers of ten that a double holds exactly (the fast path of decimal conversion). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Up to this many significant digits, the mantissa is an exact integer in a double. */
const MAX_DIGITS = 15;

const SPACE = 32;
const TAB = 9;
const DOT = 46;

/** FNV-1a of a benchmark name's text (its char codes, which for an ASCII name are its bytes). */
function hashName(name: string, pkgId: number): number {
  let h = 0x811c9dc5 ^ pkgId;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h;
}

/** A copy of a string that shares no memory with the (big) string it was sliced from. */
function detach(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** One benchmark of one package, in a hash chain. */
interface Entry {
  readonly full: string;
  /** Where `full`'s UTF-8 bytes sit in the names arena, and how many. */
  readonly at: number;
  readonly len: number;
  readonly pkgId: number;
  readonly series: Series;
  next: Entry | undefined;
}

/**
 * Two paths over the same rules. `line` (the general path) takes any line with regular
 * expressions. `block` scans the bytes of many lines in place, for the common rows of ASCII
 * names, space/tab separators and plain decimal numbers, and hands every other line to `line`:
 * whatever it is not sure of, including every error, goes through the general path, so both give
 * the same document and the same message.
 */
class GoLines implements LineParser {
  readonly #merger = new SeriesMerger();
  readonly #fail: Fail;
  #pkg: string | undefined;
  #pkgId = 0;
  readonly #pkgIds = new Map<string, number>([['', 0]]);
  readonly #byHash = new Map<number, Entry>();
  /** The UTF-8 bytes of every benchmark name, one after the other (see Entry). */
  #nameBytes = Buffer.allocUnsafe(1 << 16);
  #nameFill = 0;
  #last = 0;
  // The row being scanned by `block`: it is committed only once the whole row is known good.
  readonly #values: number[] = [];
  readonly #names: string[] = [];
  readonly #units: string[] = [];
  /** The value of the last fast number: a field, so that no number is boxed per value. */
  #num = 0;

  constructor(fail: Fail) {
    this.#fail = fail;
  }

  #create(full: string, h: number, head: Entry | undefined): Series {
    const sfx = SUFFIX.exec(full);
    const params: Record<string, string> = {};
    if (sfx) params.gomaxprocs = sfx[2] as string;
    if (this.#pkg) params.pkg = this.#pkg;
    const series = this.#merger.create(sfx ? (sfx[1] as string) : full, params);
    const len = Buffer.byteLength(full, 'utf8');
    if (this.#nameFill + len > this.#nameBytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * this.#nameBytes.length, this.#nameFill + len));
      this.#nameBytes.copy(bigger, 0, 0, this.#nameFill);
      this.#nameBytes = bigger;
    }
    const at = this.#nameFill;
    this.#nameFill += this.#nameBytes.write(full, at, 'utf8');
    this.#byHash.set(h, { full, at, len, pkgId: this.#pkgId, series, next: head });
    return series;
  }

  /** The series of benchmark `full` in the current package, created on first sight. */
  #series(full: string): Series {
    const pkgId = this.#pkgId;
    const h = hashName(full, pkgId);
    const head = this.#byHash.get(h);
    for (let e = head; e !== undefined; e = e.next) if (e.pkgId === pkgId && e.full === full) return e.series;
    // A name sliced from a big string keeps all of it alive: keep a copy instead.
    return this.#create(detach(full), h, head);
  }

  /** #series for an ASCII name at `bytes[from, to)`, whose hash `h` the caller computed. */
  #seriesAt(bytes: Buffer, from: number, to: number, h: number): Series {
    const pkgId = this.#pkgId;
    const len = to - from;
    const head = this.#byHash.get(h);
    // Compared with the names' bytes: an ASCII name's bytes are its chars, and a name with other
    // chars has bytes >= 0x80, which a fast row never has.
    const names = this.#nameBytes;
    for (let e = head; e !== undefined; e = e.next) {
      if (e.pkgId !== pkgId || e.len !== len) continue;
      const shift = e.at - from;
      let j = from;
      while (j < to && names[shift + j] === bytes[j]) j++;
      if (j === to) return e.series;
    }
    return this.#create(bytes.toString('latin1', from, to), h, head);
  }

  #setPkg(pkg: string): void {
    let id = this.#pkgIds.get(pkg);
    if (id === undefined) {
      pkg = detach(pkg);
      id = this.#pkgIds.size;
      this.#pkgIds.set(pkg, id);
    }
    this.#pkg = pkg;
    this.#pkgId = id;
  }

  line(text: string, n: number): void {
    this.#last = n;
    if (text.startsWith('pkg: ')) {
      this.#setPkg(text.slice(5).trim());
      return;
    }
    if (text.startsWith('--- FAIL') || /^FAIL(\s|$)/.test(text)) {
      this.#fail(linePosition(n, 1), `go test reported a failure: ${text.trim()}`);
    }
    if (!text.startsWith(PREFIX)) return;
    const m = BENCH_LINE.exec(text);
    // A benchmark that prints while running leaves its name alone on a line: not a result.
    if (!m) {
      if (/^Benchmark\S*\s*$/.test(text)) return;
      this.#fail(
        linePosition(n, 1),
        `expected "BenchmarkName  N  value unit ...", got ${JSON.stringify(text.slice(0, 60))}`,
      );
    }
    const [, full = '', , rest = ''] = m as RegExpExecArray;
    const parts = rest.trim().split(WS);
    if (parts.length < 2 || parts.length % 2 !== 0) {
      this.#fail(
        linePosition(n, text.indexOf(rest) + 1),
        `expected pairs of "value unit" after the iteration count, got ${JSON.stringify(rest.trim().slice(0, 60))}`,
      );
    }
    const values: number[] = [];
    const names: string[] = [];
    const units: string[] = [];
    let sawLatency = false;
    for (let i = 0; i < parts.length; i += 2) {
      const raw = parts[i] as string;
      const unit = parts[i + 1] as string;
      const v = parseNumber(raw);
      if (!Number.isFinite(v) || v < 0) {
        // Only a bad line pays for finding its column.
        let from = text.length - rest.length;
        for (let j = 0; j < i; j++)
          from = text.indexOf(parts[j] as string, from) + (parts[j] as string).length;
        this.#fail(
          linePosition(n, text.indexOf(raw, from) + 1),
          `${unit}: expected a non-negative number, got ${JSON.stringify(raw)}`,
        );
      }
      const conv = UNITS.get(unit);
      if (conv) {
        if (conv[0] === 'latency') sawLatency = true;
        names.push(conv[0]);
        units.push(conv[1]);
        values.push(v * conv[2]);
      } else {
        names.push(unit);
        units.push(unit);
        values.push(v);
      }
    }
    if (!sawLatency) this.#fail(linePosition(n, 1), `${full}: no ns/op figure`);
    this.#merger.addRow(this.#series(full), values, names, units, values.length);
  }

  block(bytes: Buffer, start: number, end: number, firstLine: number): number {
    let n = firstLine - 1;
    let s = start;
    while (s < end) {
      const nl = bytes.indexOf(10, s);
      n += 1;
      let e = nl;
      if (e > s && bytes[e - 1] === 13) e -= 1;
      const c = bytes[s];
      // Only lines starting with B(enchmark), p(kg:), -(-- FAIL) or F(AIL) mean anything.
      if (c === 66) {
        if (!this.#fastRow(bytes, s, e)) this.line(bytes.toString('utf8', s, e), n);
      } else if (c === 112 || c === 45 || c === 70) this.line(bytes.toString('utf8', s, e), n);
      s = nl + 1;
    }
    if (n >= firstLine) this.#last = n;
    return n - firstLine + 1;
  }

  /**
   * One `Benchmark...` row at `bytes[s, e)`. Returns false, having changed nothing, when the row
   * is anything but plain (then `line` decides, and reports errors).
   */
  #fastRow(b: Buffer, s: number, e: number): boolean {
    // "Benchmark", the B already seen.
    if (
      e - s < 10 ||
      b[s + 1] !== 101 ||
      b[s + 2] !== 110 ||
      b[s + 3] !== 99 ||
      b[s + 4] !== 104 ||
      b[s + 5] !== 109 ||
      b[s + 6] !== 97 ||
      b[s + 7] !== 114 ||
      b[s + 8] !== 107
    )
      return false;
    // The name, hashed on the way (as hashName does its chars).
    let h = 0x811c9dc5 ^ this.#pkgId;
    for (let j = s; j < s + 9; j++) h = Math.imul(h ^ (b[j] as number), 0x01000193);
    let nameEnd = s + 9;
    for (; nameEnd < e; nameEnd++) {
      const c = b[nameEnd] as number;
      if (c <= SPACE || c >= 127) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (!isBlank(b, nameEnd, e)) return false;
    let i = skipBlanks(b, nameEnd, e);
    const iterations = i;
    i = skipDigits(b, i, e);
    if (i === iterations || !isBlank(b, i, e)) return false;
    i = skipBlanks(b, i, e);
    const values = this.#values;
    const names = this.#names;
    const units = this.#units;
    let k = 0;
    let sawLatency = false;
    while (i < e) {
      i = this.#number(b, i, e);
      const v = this.#num;
      if (i < 0 || !isBlank(b, i, e)) return false;
      const u = skipBlanks(b, i, e);
      i = skipWord(b, u, e);
      if (i === u || (i < e && !isBlank(b, i, e))) return false;
      const unit = knownUnit(b, u, i);
      if (unit < 0) {
        const name = b.toString('latin1', u, i);
        names[k] = name;
        units[k] = name;
        values[k] = v;
      } else {
        if (unit === 0) sawLatency = true;
        const conv = UNIT_CONVS[unit] as readonly [string, string, number];
        names[k] = conv[0];
        units[k] = conv[1];
        values[k] = v * conv[2];
      }
      k += 1;
      i = skipBlanks(b, i, e);
    }
    if (!sawLatency) return false;
    this.#merger.addRow(this.#seriesAt(b, s, nameEnd, h), values, names, units, k);
    return true;
  }

  /**
   * A plain decimal (`123`, `1.5`, `.5`, `2e3`) at `b[i]`: its value goes to `this.#num`, its end
   * is returned; -1 for anything else or anything a double cannot take exactly on this path (then
   * `line` decides). Up to 15
   * digits and 10^22 the result is exactly Number()'s: one correctly rounded operation on two
   * exact doubles.
   */
  #number(b: Buffer, i: number, e: number): number {
    let mant = 0;
    let digits = 0;
    let frac = 0;
    let any = false;
    for (; i < e; i++) {
      const c = b[i] as number;
      if (c < 48 || c > 57) break;
      any = true;
      if (digits > 0 || c !== 48) {
        mant = mant * 10 + (c - 48);
        digits += 1;
      }
    }
    if (i < e && b[i] === DOT) {
      for (i++; i < e; i++) {
        const c = b[i] as number;
        if (c < 48 || c > 57) break;
        any = true;
        frac += 1;
        if (digits > 0 || c !== 48) {
          mant = mant * 10 + (c - 48);
          digits += 1;
        }
      }
    }
    if (!any) return -1;
    let exp = 0;
    if (i < e && (b[i] === 101 || b[i] === 69)) {
      i++;
      const sign = i < e && b[i] === 45 ? -1 : 1;
      if (i < e && (b[i] === 43 || b[i] === 45)) i++;
      const from = i;
      for (; i < e; i++) {
        const c = b[i] as number;
        if (c < 48 || c > 57) break;
        // Past 10^22 the fast path gives up anyway; stop growing so a long exponent stays finite.
        if (exp < 1000) exp = exp * 10 + (c - 48);
      }
      if (i === from) return -1;
      exp *= sign;
    }
    if (digits > MAX_DIGITS) return -1;
    const p = exp - frac;
    if (p === 0) this.#num = mant;
    else if (p >= -22 && p <= 22)
      this.#num = p < 0 ? mant / (POW10[-p] as number) : mant * (POW10[p] as number);
    else if (mant === 0) this.#num = 0;
    else return -1;
    return i;
  }

  end() {
    if (this.#merger.size === 0)
      this.#fail(linePosition(this.#last), 'no benchmark results found (no "Benchmark... ns/op" lines)');
    return mergedDocument(NAME, this.#merger, this.#fail);
  }
}

/** Whether `b[i]` (before `e`) is a space or a tab. */
function isBlank(b: Buffer, i: number, e: number): boolean {
  return i < e && (b[i] === SPACE || b[i] === TAB);
}

function skipBlanks(b: Buffer, i: number, e: number): number {
  for (; i < e; i++) {
    const c = b[i];
    if (c !== SPACE && c !== TAB) break;
  }
  return i;
}

/** Past printable ASCII other than space: what the fast path takes in names and units. */
function skipWord(b: Buffer, i: number, e: number): number {
  for (; i < e; i++) {
    const c = b[i] as number;
    if (c <= SPACE || c >= 127) break;
  }
  return i;
}

function skipDigits(b: Buffer, i: number, e: number): number {
  for (; i < e; i++) {
    const c = b[i] as number;
    if (c < 48 || c > 57) break;
  }
  return i;
}

/** The index in UNITS of the ASCII unit at `b[from, to)`, or -1 for another unit. */
function knownUnit(b: Buffer, from: number, to: number): number {
  // Told apart by length and first byte (n, M, B, a), then checked whole.
  const len = to - from;
  const c = b[from];
  const u =
    len === 5 && c === 110
      ? 0
      : len === 4 && c === 77
        ? 1
        : len === 4 && c === 66
          ? 2
          : len === 9 && c === 97
            ? 3
            : -1;
  if (u < 0) return -1;
  const name = UNIT_BYTES[u] as Uint8Array;
  for (let j = 1; j < len; j++) if (name[j] !== b[from + j]) return -1;
  return u;
}

/**
 * `go test -bench` text, any number of packages, with `-benchmem`, `-count` and `-cpu`.
 * `latency` = ns/op; `bytes_per_second` from MB/s (x 1e6); `alloc_bytes` = B/op; `allocs` =
 * allocs/op; custom `b.ReportMetric` units keep their unit as the measure name. The `-N`
 * GOMAXPROCS suffix becomes the `gomaxprocs` param and the `pkg:` header the `pkg` param; `-count`
 * rows merge. A `FAIL` line fails the parse.
 */
export const goBenchParser: Parser = {
  name: NAME,
  description: 'go test -bench text output',
  detect: (text) => /^Benchmark\S*\s+\d+\s+[\d.]+ ns\/op/m.test(text),
  parse: (text, source) => parseByLines(text, new GoLines(failer(source, NAME))),
  lines: (source) => new GoLines(failer(source, NAME)),
};
