// A fast reading of X-Ray GetServiceGraph JSON, straight from the file's bytes. A 20,000-service graph is
// 30 MB of text; JSON.parse builds every histogram and alias in it, and a cold heap spends longer
// collecting that garbage than parsing (docs/benchmarks.md). This reader checks the whole text as JSON
// but builds only the fields parseServiceGraphs reads. It never reports an error: for anything but plain
// UTF-8 JSON within the depth limit it answers undefined, and the caller reads the file the general way
// (decodeText, parseJson), which says what is wrong. The answer is then the same either way.
import { MAX_JSON_DEPTH } from './json';

/**
 * What to build of a value: of an object, the `fields` (the others are checked and skipped), made into one
 * by `make` from their values in that order (undefined where the JSON has none); of an array, its `items`.
 * Anything else, or a value of another type, is built whole.
 */
interface Shape {
  readonly fields?: readonly Field[];
  readonly make?: (values: readonly unknown[], at: number, reader: Reader) => object;
  readonly items?: Shape;
  /** Checked now, built when asked for: its place in the bytes stands for it among the values. */
  readonly later?: boolean;
}

interface Field {
  readonly name: string;
  readonly bytes: readonly number[];
  /** Undefined: the whole value. */
  readonly shape: Shape | undefined;
}

function fields(shapes: Readonly<Record<string, Shape | undefined>>): Field[] {
  return Object.entries(shapes).map(([name, shape]) => ({
    name,
    bytes: [...name].map((c) => c.charCodeAt(0)),
    shape,
  }));
}

// What parseServiceGraphs reads (xray.ts), and nothing more. Objects made by a literal of all their
// fields are as small as JSON.parse makes them; one grown a field at a time takes twice the memory.
const ERRORS: Shape = {
  fields: fields({ TotalCount: undefined, ThrottleCount: undefined }),
  make: (v, i) => ({ TotalCount: v[i], ThrottleCount: v[i + 1] }),
};
const FAULTS: Shape = { fields: fields({ TotalCount: undefined }), make: (v, i) => ({ TotalCount: v[i] }) };
const STATS: Shape = {
  fields: fields({
    TotalCount: undefined,
    OkCount: undefined,
    TotalResponseTime: undefined,
    ErrorStatistics: ERRORS,
    FaultStatistics: FAULTS,
  }),
  make: (v, i) => ({
    TotalCount: v[i],
    OkCount: v[i + 1],
    TotalResponseTime: v[i + 2],
    ErrorStatistics: v[i + 3],
    FaultStatistics: v[i + 4],
  }),
};
const EDGE: Shape = {
  fields: fields({ ReferenceId: undefined, SummaryStatistics: STATS }),
  make: (v, i) => ({ ReferenceId: v[i], SummaryStatistics: v[i + 1] }),
};
const EDGES: Shape = { items: EDGE };
const SERVICE: Shape = {
  fields: fields({
    ReferenceId: undefined,
    Name: undefined,
    Names: { later: true },
    Type: undefined,
    AccountId: undefined,
    SummaryStatistics: { ...STATS, later: true },
    StartTime: undefined,
    EndTime: undefined,
    Edges: { ...EDGES, later: true },
  }),
  make: (v, i, reader) =>
    new Service(v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7], reader, v[i + 8]),
};

/**
 * A service whose objects (Names, SummaryStatistics, Edges) are built from the bytes when parseServiceGraphs
 * asks for them, once each: built with the rest, those of 20,000 services would live through the whole
 * reading, and copying live objects is what a young heap's garbage collection costs. The names and numbers
 * parseServiceGraphs keeps are strings and numbers, read with the rest.
 */
class Service {
  constructor(
    readonly ReferenceId: unknown,
    readonly Name: unknown,
    private readonly namesAt: unknown,
    readonly Type: unknown,
    readonly AccountId: unknown,
    private readonly statsAt: unknown,
    readonly StartTime: unknown,
    readonly EndTime: unknown,
    private readonly reader: Reader,
    private readonly edgesAt: unknown,
  ) {}

  get Names(): unknown {
    return this.later(this.namesAt, undefined);
  }

  get SummaryStatistics(): unknown {
    return this.later(this.statsAt, STATS);
  }

  get Edges(): unknown {
    return this.later(this.edgesAt, EDGES);
  }

  private later(at: unknown, shape: Shape | undefined): unknown {
    return typeof at === 'number' ? this.reader.valueAt(at, shape) : undefined;
  }
}

const RESPONSE: Shape = {
  fields: fields({ Services: { items: SERVICE }, StartTime: undefined, EndTime: undefined }),
  make: (v, i) => ({ Services: v[i], StartTime: v[i + 1], EndTime: v[i + 2] }),
};
/** A response, or an array of them. */
const DOCUMENT: Shape = { ...RESPONSE, items: RESPONSE };

/** Thrown inside the reader when the general path must take over; never leaves this module. */
const GIVE_UP = new Error('not plain JSON');

/**
 * The GetServiceGraph response(s) in `bytes` with only what parseServiceGraphs reads, or undefined when
 * the bytes are not plain UTF-8 JSON nested at most `maxDepth` deep (then read them with parseJson).
 */
export function readServiceGraphJson(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): unknown {
  // A UTF-8 byte order mark, as decodeText drops it.
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const reader = new Reader(bytes, start, maxDepth);
  try {
    if (reader.space() < 0) return undefined;
    const value = reader.value(DOCUMENT);
    return reader.space() < 0 ? value : undefined;
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];
/** Integers of up to 15 digits are exact in a double, and so are the powers of ten up to 1e15. */
const EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: EXACT_DIGITS + 1 }, (_, i) => 10 ** i);

const utf8 = new TextDecoder();

/** RFC 8259 grammar, byte by byte; `pos` is the next byte to read. */
class Reader {
  private pos: number;
  private depth = 0;
  private keyStart = 0;
  private keyEnd = 0;
  /** The number `numberEnd` read, when it answered true. */
  private exact = 0;
  private readonly strings = new Map<number, string>();
  /** Values of the objects and arrays being read. */
  private readonly stack: unknown[] = [];

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly maxDepth: number,
  ) {
    this.pos = start;
  }

  /** Skips whitespace; the next byte, or -1 at the end. */
  space(): number {
    const b = this.bytes;
    const n = b.length;
    let p = this.pos;
    while (p < n) {
      const c = b[p] as number;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
    return p < n ? (b[p] as number) : -1;
  }

  /** Builds the value at `pos` (after whitespace), keeping what `shape` names; undefined: all of it. */
  value(shape: Shape | undefined): unknown {
    const c = this.bytes[this.pos];
    if (c === OPEN_BRACE)
      return shape?.fields && shape.make ? this.someFields(shape.fields, shape.make) : this.object();
    if (c === OPEN_BRACKET) return this.array(shape?.items);
    if (c === QUOTE) return this.string();
    return this.scalar();
  }

  /** Builds the value at `at`, read and checked before. */
  valueAt(at: number, shape: Shape | undefined): unknown {
    const pos = this.pos;
    const depth = this.depth;
    this.pos = at;
    this.depth = 0;
    try {
      return this.value(shape);
    } catch (err) {
      throw err === GIVE_UP ? new Error('readServiceGraphJson: the bytes changed after they were read') : err;
    } finally {
      this.pos = pos;
      this.depth = depth;
    }
  }

  /** Checks the value at `pos` and builds nothing. */
  skip(): void {
    const c = this.bytes[this.pos];
    if (c === OPEN_BRACE) this.skipObject();
    else if (c === OPEN_BRACKET) this.skipArray();
    else if (c === QUOTE) this.stringEnd();
    else if (!this.literalEnd()) this.numberEnd();
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) throw GIVE_UP;
    this.pos++;
  }

  /** After a member or an item: a comma (true) or the closing byte (false). */
  private next(close: number): boolean {
    const c = this.space();
    this.pos++;
    if (c === COMMA) return true;
    if (c === close) {
      this.depth--;
      return false;
    }
    throw GIVE_UP;
  }

  /**
   * Reads `"key"`, the colon and the whitespace after it; true if the key has an escape or a byte beyond
   * ASCII. The key's opening quote is then at `keyStart`, its closing quote at `keyEnd`.
   */
  private key(): boolean {
    if (this.space() !== QUOTE) throw GIVE_UP;
    this.keyStart = this.pos;
    const special = this.stringEnd();
    this.keyEnd = this.pos - 1;
    if (this.space() !== COLON) throw GIVE_UP;
    this.pos++;
    this.space();
    return special;
  }

  private someFields(wanted: readonly Field[], make: NonNullable<Shape['make']>): object {
    this.enter();
    // The values wait on the stack, above those of the objects and arrays this one is in.
    const stack = this.stack;
    const base = stack.length;
    for (let i = 0; i < wanted.length; i++) stack.push(undefined);
    if (this.space() === CLOSE_BRACE) {
      this.pos++;
      this.depth--;
    } else {
      do {
        const field = this.key() ? this.fieldNamed(wanted) : this.fieldAt(wanted);
        const shape = field < 0 ? undefined : (wanted[field] as Field).shape;
        if (field < 0) this.skip();
        else if (shape?.later) {
          stack[base + field] = this.pos;
          this.skip();
        } else stack[base + field] = this.value(shape);
      } while (this.next(CLOSE_BRACE));
    }
    const out = make(stack, base, this);
    stack.length = base;
    return out;
  }

  /** The index in `wanted` of the key just read, or -1. */
  private fieldAt(wanted: readonly Field[]): number {
    const b = this.bytes;
    const start = this.keyStart + 1;
    const length = this.keyEnd - start;
    for (let f = 0; f < wanted.length; f++) {
      const name = (wanted[f] as Field).bytes;
      if (name.length !== length) continue;
      let i = 0;
      while (i < length && b[start + i] === name[i]) i++;
      if (i === length) return f;
    }
    return -1;
  }

  private fieldNamed(wanted: readonly Field[]): number {
    const name = this.decode(this.keyStart, this.keyEnd + 1);
    return wanted.findIndex((f) => f.name === name);
  }

  private object(): Record<string, unknown> {
    this.enter();
    const out: Record<string, unknown> = {};
    if (this.space() === CLOSE_BRACE) {
      this.pos++;
      this.depth--;
      return out;
    }
    do {
      const name = this.key()
        ? this.decode(this.keyStart, this.keyEnd + 1)
        : this.ascii(this.keyStart + 1, this.keyEnd);
      // JSON.parse makes "__proto__" an own field; an assignment would set the prototype instead.
      if (name === '__proto__') throw GIVE_UP;
      out[name] = this.value(undefined);
    } while (this.next(CLOSE_BRACE));
    return out;
  }

  private skipObject(): void {
    this.enter();
    if (this.space() === CLOSE_BRACE) {
      this.pos++;
      this.depth--;
      return;
    }
    do {
      this.key();
      this.skip();
    } while (this.next(CLOSE_BRACE));
  }

  private array(items: Shape | undefined): unknown[] {
    this.enter();
    const stack = this.stack;
    const base = stack.length;
    if (this.space() === CLOSE_BRACKET) {
      this.pos++;
      this.depth--;
    } else {
      do {
        this.space();
        stack.push(this.value(items));
      } while (this.next(CLOSE_BRACKET));
    }
    // An array as long as its items; one grown by push keeps room for more.
    const out = stack.slice(base);
    stack.length = base;
    return out;
  }

  private skipArray(): void {
    this.enter();
    if (this.space() === CLOSE_BRACKET) {
      this.pos++;
      this.depth--;
      return;
    }
    do {
      this.space();
      this.skip();
    } while (this.next(CLOSE_BRACKET));
  }

  private string(): string {
    const start = this.pos;
    const special = this.stringEnd();
    if (!special) return this.ascii(start + 1, this.pos - 1);
    return this.decode(start, this.pos);
  }

  /**
   * Moves past the string whose opening quote is at `pos`; true if it has an escape or a byte beyond
   * ASCII. Control characters are not allowed in a JSON string (RFC 8259, section 7).
   */
  private stringEnd(): boolean {
    const b = this.bytes;
    const n = b.length;
    let p = this.pos + 1;
    let special = false;
    for (;;) {
      if (p >= n) throw GIVE_UP;
      const c = b[p] as number;
      if (c === QUOTE) break;
      if (c < 0x20) throw GIVE_UP;
      if (c === BACKSLASH) {
        special = true;
        p = this.escapeEnd(p + 1);
        continue;
      }
      if (c >= 0x80) special = true;
      p++;
    }
    this.pos = p + 1;
    return special;
  }

  /** The byte after the escape whose letter is at `p`. */
  private escapeEnd(p: number): number {
    const c = this.bytes[p];
    // " \ / b f n r t
    if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
      return p + 1;
    }
    if (c !== 0x75) throw GIVE_UP;
    for (let i = 1; i <= 4; i++) {
      const h = this.bytes[p + i] ?? 0;
      const hex = (h >= ZERO && h <= NINE) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66);
      if (!hex) throw GIVE_UP;
    }
    return p + 5;
  }

  /**
   * ASCII bytes [start, end) as a string. Names and types repeat (a service's Name is its first of Names;
   * thousands share a Type): a string read before is reused, so it is neither built nor kept twice.
   */
  private ascii(start: number, end: number): string {
    const b = this.bytes;
    let hash = end - start;
    for (let p = start; p < end; p++) hash = (Math.imul(hash, 31) + (b[p] as number)) | 0;
    const known = this.strings.get(hash);
    if (known !== undefined && known.length === end - start) {
      let i = 0;
      while (i < known.length && known.charCodeAt(i) === b[start + i]) i++;
      if (i === known.length) return known;
    }
    const text = String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
    this.strings.set(hash, text);
    return text;
  }

  /** A string with escapes or beyond ASCII, quotes included in [start, end): as the general path reads it. */
  private decode(start: number, end: number): string {
    return JSON.parse(utf8.decode(this.bytes.subarray(start, end))) as string;
  }

  /** A number, true, false or null. */
  private scalar(): unknown {
    const c = this.bytes[this.pos];
    if (this.literalEnd()) return c === 0x74 ? true : c === 0x66 ? false : null;
    const start = this.pos;
    if (this.numberEnd()) return this.exact;
    return Number(String.fromCharCode.apply(null, this.bytes.subarray(start, this.pos) as unknown as number[]));
  }

  /** Moves past true, false or null at `pos`; false if none starts there. */
  private literalEnd(): boolean {
    const c = this.bytes[this.pos];
    const text = c === 0x74 ? TRUE : c === 0x66 ? FALSE : c === 0x6e ? NULL : undefined;
    if (!text) return false;
    for (let i = 0; i < text.length; i++) if (this.bytes[this.pos + i] !== text[i]) throw GIVE_UP;
    this.pos += text.length;
    return true;
  }

  /**
   * Moves past the number at `pos`; true if its value is exact in `exact`. At most 15 digits make an exact
   * integer, and an exact integer divided by a power of ten up to 1e22 rounds once, to the double nearest
   * the decimal, as JSON.parse reads it (Clinger's fast path). Other numbers are left to Number().
   */
  private numberEnd(): boolean {
    const b = this.bytes;
    let p = this.pos;
    const negative = b[p] === MINUS;
    if (negative) p++;
    let digits = 0;
    let c = b[p] ?? -1;
    if (c === ZERO) c = b[++p] ?? -1;
    else if (c > ZERO && c <= NINE) {
      do {
        digits = digits * 10 + (c - ZERO);
        c = b[++p] ?? -1;
      } while (c >= ZERO && c <= NINE);
    } else throw GIVE_UP;
    let count = p - this.pos - (negative ? 1 : 0);
    let decimals = 0;
    if (c === DOT) {
      c = b[++p] ?? -1;
      if (c < ZERO || c > NINE) throw GIVE_UP;
      do {
        digits = digits * 10 + (c - ZERO);
        decimals++;
        c = b[++p] ?? -1;
      } while (c >= ZERO && c <= NINE);
      count += decimals;
    }
    let exact = count <= EXACT_DIGITS;
    if (c === 0x65 || c === 0x45) {
      exact = false;
      c = b[++p] ?? -1;
      if (c === PLUS || c === MINUS) c = b[++p] ?? -1;
      if (c < ZERO || c > NINE) throw GIVE_UP;
      do c = b[++p] ?? -1;
      while (c >= ZERO && c <= NINE);
    }
    this.pos = p;
    if (exact) {
      const value = decimals === 0 ? digits : digits / (POWERS_OF_TEN[decimals] as number);
      this.exact = negative ? -value : value;
    }
    return exact;
  }
}
