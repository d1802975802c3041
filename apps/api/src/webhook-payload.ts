/**
 * Reads the few fields a webhook needs from a JSON body as it streams in, keeping none of the rest:
 * a 25 MB payload costs the chunk at hand, a stack of open containers and the wanted values. The
 * body is checked to be well-formed JSON on the way (the same grammar JSON.parse accepts).
 */

/** A body that is not well-formed JSON; `offset` is the byte where it went wrong. */
export class MalformedJsonError extends Error {
  override name = 'MalformedJsonError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
  }
}

type Scalar = string | number | boolean | null;

/** Longest wanted string or number kept (a commit sha, a ref, a repository name). */
const MAX_VALUE_BYTES = 1024;
/** Keys longer than this are never wanted and are not kept. */
const MAX_KEY_BYTES = 64;
/** Deeper nesting than any GitHub payload: refused rather than tracked. */
const MAX_DEPTH = 512;

enum Mode {
  Value,
  ValueOrEnd,
  KeyOrEnd,
  Key,
  Colon,
  AfterValue,
  String,
  Escape,
  Unicode,
  Number,
  Literal,
}

interface Frame {
  array: boolean;
  /** The container's path when something below it is wanted, else null (nothing kept). */
  path: string | null;
  key: string | null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const isHex = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/**
 * Feed it the body chunk by chunk with `write`, then call `end`: it returns the wanted paths
 * (`a.b.c`, objects only, no arrays) as nested objects, and whether the top level is an object.
 */
export class PayloadScanner {
  private readonly containers: Set<string>;
  private readonly stack: Frame[] = [];
  private mode = Mode.Value;
  private offset = 0;
  private started = false;
  /** What the current string is: a key, a wanted value, or skipped. */
  private stringRole: 'key' | 'value' | 'skip' = 'skip';
  private token: number[] = [];
  private tokenOverflow = false;
  private unicodeLeft = 0;
  private tokenPath: string | null = null;
  private readonly values = new Map<string, Scalar>();
  rootIsObject = false;

  constructor(private readonly wanted: ReadonlySet<string>) {
    this.containers = new Set(['']);
    for (const p of wanted) {
      const parts = p.split('.');
      for (let i = 1; i < parts.length; i++) this.containers.add(parts.slice(0, i).join('.'));
    }
  }

  write(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      // Most of a large payload is strings nobody wants: skip through them without a call per byte.
      if (this.mode === Mode.String && this.stringRole === 'skip') {
        const start = i;
        for (let b = chunk[i]!; b !== QUOTE && b !== BACKSLASH && b >= 0x20; b = chunk[i]!)
          if (++i === n) break;
        this.offset += i - start;
        if (i === n) return;
      }
      this.step(chunk[i]!);
      this.offset++;
      i++;
    }
  }

  /** The wanted values found, as nested objects; throws MalformedJsonError on an incomplete body. */
  end(): Record<string, unknown> {
    if (this.mode === Mode.Number || this.mode === Mode.Literal) this.finishToken();
    if (!this.started) throw new MalformedJsonError('empty body', this.offset);
    if (this.stack.length > 0 || this.mode !== Mode.AfterValue)
      throw new MalformedJsonError('unexpected end of JSON', this.offset);
    const result: Record<string, unknown> = {};
    for (const [path, value] of this.values) {
      const parts = path.split('.');
      let node = result;
      for (const part of parts.slice(0, -1)) {
        const next = node[part];
        if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
        else {
          const child: Record<string, unknown> = {};
          node[part] = child;
          node = child;
        }
      }
      node[parts.at(-1)!] = value;
    }
    return result;
  }

  private fail(what: string, byte?: number): never {
    const shown = byte === undefined ? '' : ` ${JSON.stringify(String.fromCharCode(byte))}`;
    throw new MalformedJsonError(`${what}${shown}`, this.offset);
  }

  /** The path of the value that starts now, or null when nothing there is wanted. */
  private valuePath(): string | null {
    const top = this.stack.at(-1);
    if (!top) return '';
    if (top.array || top.path === null || top.key === null) return null;
    return top.path === '' ? top.key : `${top.path}.${top.key}`;
  }

  private startToken(mode: Mode, path: string | null, byte: number): void {
    this.mode = mode;
    this.tokenPath = path;
    this.token = [byte];
    this.tokenOverflow = false;
  }

  private keep(byte: number, max: number): void {
    if (this.token.length < max) this.token.push(byte);
    else this.tokenOverflow = true;
  }

  private startValue(byte: number): void {
    const path = this.valuePath();
    if (this.stack.length === 0) {
      this.started = true;
      this.rootIsObject = byte === 0x7b;
    }
    if (byte === 0x7b || byte === 0x5b) {
      if (this.stack.length >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
      const array = byte === 0x5b;
      this.stack.push({
        array,
        path: !array && path !== null && this.containers.has(path) ? path : null,
        key: null,
      });
      this.mode = array ? Mode.ValueOrEnd : Mode.KeyOrEnd;
    } else if (byte === QUOTE) {
      this.mode = Mode.String;
      this.stringRole = path !== null && this.wanted.has(path) ? 'value' : 'skip';
      this.tokenPath = path;
      this.token = [];
      this.tokenOverflow = false;
    } else if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) this.startToken(Mode.Number, path, byte);
    else if (byte === 0x74 || byte === 0x66 || byte === 0x6e) this.startToken(Mode.Literal, path, byte);
    else this.fail('unexpected', byte);
  }

  /** A number or literal ends at the first byte that cannot be part of it. */
  private finishToken(): void {
    const text = String.fromCharCode(...this.token);
    let value: Scalar;
    if (this.mode === Mode.Number) {
      if (this.tokenOverflow || !NUMBER.test(text))
        this.fail(`bad number ${JSON.stringify(text.slice(0, 40))}`);
      value = Number(text);
    } else {
      if (text !== 'true' && text !== 'false' && text !== 'null')
        this.fail(`bad literal ${JSON.stringify(text)}`);
      value = text === 'null' ? null : text === 'true';
    }
    this.found(value);
  }

  private found(value: Scalar): void {
    if (this.tokenPath !== null && this.wanted.has(this.tokenPath)) this.values.set(this.tokenPath, value);
    this.mode = Mode.AfterValue;
  }

  private endString(): void {
    if (this.stringRole === 'key') {
      const top = this.stack.at(-1)!;
      top.key = this.tokenOverflow ? null : Buffer.from(this.token).toString('utf8');
      this.mode = Mode.Colon;
      return;
    }
    if (this.stringRole === 'skip') {
      this.mode = Mode.AfterValue;
      return;
    }
    // A wanted value too long to be a sha, a ref or a name: kept as a note, which no check accepts.
    if (this.tokenOverflow) {
      this.found(`(a string longer than ${MAX_VALUE_BYTES} bytes)`);
      return;
    }
    // The raw bytes between the quotes, escapes included: JSON.parse decodes them.
    this.found(JSON.parse(`"${Buffer.from(this.token).toString('utf8')}"`) as string);
  }

  private step(b: number): void {
    switch (this.mode) {
      case Mode.String:
        if (b === QUOTE) this.endString();
        else if (b < 0x20) this.fail('control character in a string');
        else {
          if (b === BACKSLASH) this.mode = Mode.Escape;
          if (this.stringRole !== 'skip')
            this.keep(b, this.stringRole === 'key' ? MAX_KEY_BYTES : MAX_VALUE_BYTES);
        }
        return;
      case Mode.Escape:
        if (b === 0x75) {
          this.mode = Mode.Unicode;
          this.unicodeLeft = 4;
        } else if ([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74].includes(b))
          this.mode = Mode.String;
        else this.fail('bad escape', b);
        if (this.stringRole !== 'skip')
          this.keep(b, this.stringRole === 'key' ? MAX_KEY_BYTES : MAX_VALUE_BYTES);
        return;
      case Mode.Unicode:
        if (!isHex(b)) this.fail('bad \\u escape', b);
        if (--this.unicodeLeft === 0) this.mode = Mode.String;
        if (this.stringRole !== 'skip')
          this.keep(b, this.stringRole === 'key' ? MAX_KEY_BYTES : MAX_VALUE_BYTES);
        return;
      case Mode.Number:
      case Mode.Literal:
        if (
          (b >= 0x30 && b <= 0x39) ||
          (b >= 0x61 && b <= 0x7a) ||
          b === 0x2b ||
          b === 0x2d ||
          b === 0x2e ||
          b === 0x45
        ) {
          this.keep(b, MAX_VALUE_BYTES);
          return;
        }
        this.finishToken();
        this.step(b);
        return;
    }
    if (isSpace(b)) return;
    switch (this.mode) {
      case Mode.Value:
        this.startValue(b);
        return;
      case Mode.ValueOrEnd:
        if (b === 0x5d) this.close(true);
        else this.startValue(b);
        return;
      case Mode.KeyOrEnd:
      case Mode.Key:
        if (b === QUOTE) {
          this.mode = Mode.String;
          this.stringRole = 'key';
          this.token = [];
          this.tokenOverflow = false;
        } else if (b === 0x7d && this.mode === Mode.KeyOrEnd) this.close(false);
        else this.fail('expected a key, got', b);
        return;
      case Mode.Colon:
        if (b !== 0x3a) this.fail('expected ":", got', b);
        this.mode = Mode.Value;
        return;
      case Mode.AfterValue: {
        const top = this.stack.at(-1);
        if (!top) this.fail('unexpected data after the JSON value:', b);
        if (b === 0x2c) this.mode = top.array ? Mode.Value : Mode.Key;
        else if (b === (top.array ? 0x5d : 0x7d)) this.close(top.array);
        else this.fail(`expected "," or "${top.array ? ']' : '}'}", got`, b);
        return;
      }
    }
  }

  private close(array: boolean): void {
    const top = this.stack.pop();
    if (!top || top.array !== array) this.fail('unbalanced', array ? 0x5d : 0x7d);
    this.tokenPath = null;
    this.mode = Mode.AfterValue;
  }
}
