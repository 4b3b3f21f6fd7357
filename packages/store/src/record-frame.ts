import { crc32 } from 'node:zlib';

/**
 * How a store file frames its records, so that damage is seen rather than read.
 *
 * A file starts with a magic line naming its kind and format version. Each record
 * after it is one line:
 *
 *     R <length: 8 hex digits> <crc32 of the payload: 8 hex digits> <payload>\n
 *
 * where the payload is `length` bytes of UTF-8 JSON. A record is whole only when its
 * header parses, all `length` bytes are there, their CRC matches and a newline follows
 * them. The lines stay readable with `less`, and `tandem store check` says where a
 * file stops being whole.
 */
export const LOG_MAGIC = 'TANDEM-STORE-LOG 2\n';
export const SNAPSHOT_MAGIC = 'TANDEM-STORE-SNAPSHOT 2\n';

const HEADER_BYTES = 20; // "R " + 8 + " " + 8 + " "
const HEADER = /^R [0-9a-f]{8} [0-9a-f]{8} $/;
const NEWLINE = 0x0a;

/** The largest payload the 8-hex-digit length can say; stores set a lower limit. */
export const MAX_FRAME_PAYLOAD = 0xffff_ffff;

/** One record as bytes on disk. */
export function encodeFrame(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  if (body.length > MAX_FRAME_PAYLOAD) throw new RangeError(`record of ${body.length} bytes cannot be framed`);
  const header = `R ${hex8(body.length)} ${hex8(crc32(body))} `;
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length + 1);
  out.write(header, 0, 'latin1');
  body.copy(out, HEADER_BYTES);
  out[out.length - 1] = NEWLINE;
  return out;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** A whole record found at `offset`, `end` being the offset just past its newline. */
export interface Frame {
  readonly offset: number;
  readonly end: number;
  readonly payload: string;
}

/** Why the bytes at an offset are not a whole record. */
export type FrameFault = 'incomplete' | 'damaged';

/** Reads the record at `offset`: the frame, or why there is none. */
export function readFrame(buf: Buffer, offset: number): Frame | FrameFault {
  if (buf.length - offset < HEADER_BYTES) {
    // Fewer bytes than a header: incomplete if they could be the start of one.
    return couldStartHeader(buf, offset) ? 'incomplete' : 'damaged';
  }
  const header = buf.toString('latin1', offset, offset + HEADER_BYTES);
  if (!HEADER.test(header)) return 'damaged';
  const length = Number.parseInt(header.slice(2, 10), 16);
  const crc = Number.parseInt(header.slice(11, 19), 16);
  const start = offset + HEADER_BYTES;
  const end = start + length + 1;
  if (end > buf.length) return 'incomplete';
  const body = buf.subarray(start, start + length);
  if (buf[end - 1] !== NEWLINE || crc32(body) !== crc) return 'damaged';
  return { offset, end, payload: body.toString('utf8') };
}

function couldStartHeader(buf: Buffer, offset: number): boolean {
  const rest = buf.toString('latin1', offset);
  const template = 'R 00000000 00000000 ';
  for (let i = 0; i < rest.length; i++) {
    const want = template[i];
    const c = rest[i] as string;
    if (want === '0' ? !/[0-9a-f]/.test(c) : c !== want) return false;
  }
  return true;
}

/**
 * The offset of the next whole record after a fault at `from`, if any: a record can
 * only start at the beginning of a line, so each line start after `from` is tried.
 */
export function nextFrameAfter(buf: Buffer, from: number): number | undefined {
  let at = buf.indexOf(NEWLINE, from);
  while (at !== -1 && at + 1 < buf.length) {
    const found = readFrame(buf, at + 1);
    if (typeof found !== 'string') return at + 1;
    at = buf.indexOf(NEWLINE, at + 1);
  }
  return undefined;
}
