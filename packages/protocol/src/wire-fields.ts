// Protocol Buffers wire format, just enough to find and move embedded messages without
// decoding them (https://protobuf.dev/programming-guides/encoding/): the agent writes the
// bytes it kept back into a registration, the master keeps a task's TaskInfo as it came.

/** Bytes and varints gathered, then written into one buffer. */
export class WireParts {
  private readonly items: (Uint8Array | number)[] = [];
  length = 0;

  /** A length-delimited field's tag. */
  tag(field: number): this {
    return this.varint((field << 3) | 2);
  }

  varint(value: number): this {
    this.items.push(value);
    this.length += varintLength(value);
    return this;
  }

  bytes(value: Uint8Array | WireParts): this {
    if (value instanceof WireParts) {
      for (const item of value.items) this.items.push(item);
    } else this.items.push(value);
    this.length += value.length;
    return this;
  }

  build(): Buffer {
    const buf = Buffer.allocUnsafe(this.length);
    let at = 0;
    for (const item of this.items) {
      if (typeof item === 'number') {
        at = writeVarint(buf, at, item);
      } else {
        buf.set(item, at);
        at += item.length;
      }
    }
    return buf;
  }
}

/** Writes `value` as a varint at `at`; returns the position past it. */
export function writeVarint(buf: Uint8Array, at: number, value: number): number {
  let i = at;
  let v = value;
  while (v > 0x7f) {
    buf[i++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[i++] = v;
  return i;
}

export function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v > 0x7f; v = Math.floor(v / 128)) n++;
  return n;
}

/** Where the last readVarint stopped (no tuple allocated per varint: this runs per field of 100,000s of messages). */
let after = 0;

/** The varint at `pos` (after: the position past it), or -1 when truncated or longer than 2^53. */
function readVarint(buf: Uint8Array, pos: number, end: number): number {
  if (pos < end) {
    const first = buf[pos] as number;
    if (first < 0x80) {
      after = pos + 1;
      return first;
    }
  }
  let value = 0;
  let scale = 1;
  for (let p = pos; p < end; p++) {
    const b = buf[p] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      after = p + 1;
      return value;
    }
    scale *= 128;
    if (scale > 2 ** 53) return -1;
  }
  return -1;
}

/**
 * Calls `visit(field, wireType, tagStart, valueStart, end)` for each field in buf[start, end)
 * (valueStart: after a length-delimited field's length). False if the bytes do not parse.
 */
export function forEachField(
  buf: Uint8Array,
  start: number,
  end: number,
  visit: (field: number, wireType: number, tagStart: number, valueStart: number, end: number) => void,
): boolean {
  let pos = start;
  while (pos < end) {
    const tagStart = pos;
    const tag = readVarint(buf, pos, end);
    if (tag < 0) return false;
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    let valueStart = after;
    let next: number;
    if (wireType === 0) {
      if (readVarint(buf, valueStart, end) < 0) return false;
      next = after;
    } else if (wireType === 1) next = valueStart + 8;
    else if (wireType === 5) next = valueStart + 4;
    else if (wireType === 2) {
      const length = readVarint(buf, valueStart, end);
      if (length < 0) return false;
      valueStart = after;
      next = valueStart + length;
    } else return false;
    if (next > end) return false;
    visit(field, wireType, tagStart, valueStart, next);
    pos = next;
  }
  return true;
}

/** The value ranges of every length-delimited occurrence of `field` in buf[start, end). */
export function fieldSlices(buf: Uint8Array, start: number, end: number, field: number): [number, number][] {
  const out: [number, number][] = [];
  const ok = forEachField(buf, start, end, (f, wireType, _tagStart, valueStart, next) => {
    if (f === field && wireType === 2) out.push([valueStart, next]);
  });
  return ok ? out : [];
}

/** The occurrences of `field` inside the message reached by `path` (exactly one occurrence per level). */
export function nestedSlices(buf: Uint8Array, path: number[], field: number): [number, number][] {
  let range: [number, number] = [0, buf.length];
  for (const step of path) {
    const found = fieldSlices(buf, range[0], range[1], step);
    if (found.length !== 1 || !found[0]) return [];
    range = found[0];
  }
  return fieldSlices(buf, range[0], range[1], field);
}
