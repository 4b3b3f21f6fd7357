import { createRequire } from 'node:module';

// Patch of @grpc/grpc-js 1.14.7 (pinned exactly in package.json; grpc-stream-decoder.test.ts
// fails when the shape relied on below changes). To be filed upstream at
// https://github.com/grpc/grpc-node/issues: the text is docs/upstream/grpc-js-stream-decoder.md.
// Remove this patch once grpc-js releases the fix.
//
// grpc-js' StreamDecoder keeps, after a whole message, a 1-byte slice of the chunk the
// message began in (`readCompressFlag`) and the slices it was read from
// (`readPartialMessage`) until the stream's next message. A chunk is a view of the HTTP/2
// session's read buffer (up to 64 KiB, shared by every stream of the connection), so each
// idle stream pins a whole read buffer: at 10,000 agent streams that was up to 44 MiB of
// ArrayBuffers held for a byte each. Both fields are only read again after the next
// message resets them, so dropping them once a message is complete changes nothing else.

/** Where grpc-js keeps the class (not a public entry point: hence the exact pin). */
export const STREAM_DECODER_MODULE = '@grpc/grpc-js/build/src/stream-decoder.js';

/** The fields of a StreamDecoder the patch reads and resets. */
export interface StreamDecoderFields {
  readState: number;
  readCompressFlag: Buffer;
  readPartialMessage: Buffer[];
  write(data: Buffer): Buffer[];
}

type StreamDecoderClass = new (maxReadMessageLength: number) => StreamDecoderFields;

/** grpc-js' ReadState.NO_DATA: between messages. */
const NO_DATA = 0;
/** Stands in for the last compress flag: the decoder overwrites it before reading it again. */
const FLAG = Buffer.alloc(1);

/** grpc-js' StreamDecoder class, or undefined when it is not where the patch expects it. */
export function streamDecoderClass(): StreamDecoderClass | undefined {
  try {
    const mod = createRequire(import.meta.url)(STREAM_DECODER_MODULE) as { StreamDecoder?: unknown };
    return typeof mod.StreamDecoder === 'function' ? (mod.StreamDecoder as StreamDecoderClass) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why the patch cannot apply to `decoder` (a new StreamDecoder), or undefined when it has
 * the shape the patch relies on: between messages in state NO_DATA (0), a Buffer
 * compress flag and an array of partial-message slices.
 */
export function streamDecoderMismatch(decoder: unknown): string | undefined {
  const d = decoder as Partial<StreamDecoderFields> | null;
  if (typeof d?.write !== 'function') return 'StreamDecoder has no write method';
  if (d.readState !== NO_DATA) return `a new StreamDecoder's readState is ${String(d.readState)}, not ${NO_DATA} (NO_DATA)`;
  if (!Buffer.isBuffer(d.readCompressFlag)) return 'StreamDecoder has no readCompressFlag Buffer';
  if (!Array.isArray(d.readPartialMessage)) return 'StreamDecoder has no readPartialMessage array';
  return undefined;
}

let outcome: { patched: boolean; reason?: string } | undefined;

/**
 * Makes grpc-js' stream decoders let go of the last chunk once a message is complete.
 * Changes nothing, and says why, when grpc-js has no decoder of the expected shape.
 * Idempotent.
 */
export function patchGrpcStreamDecoder(): { patched: boolean; reason?: string } {
  if (outcome) return outcome;
  const StreamDecoder = streamDecoderClass();
  const mismatch = StreamDecoder ? streamDecoderMismatch(new StreamDecoder(-1)) : `${STREAM_DECODER_MODULE} exports no StreamDecoder`;
  if (!StreamDecoder || mismatch) {
    outcome = { patched: false, reason: mismatch };
    return outcome;
  }
  const proto = StreamDecoder.prototype;
  const write = proto.write;
  proto.write = function (this: StreamDecoderFields, data: Buffer): Buffer[] {
    const messages = write.call(this, data);
    if (this.readState === NO_DATA && this.readCompressFlag !== FLAG) {
      this.readCompressFlag = FLAG;
      this.readPartialMessage = [];
    }
    return messages;
  };
  outcome = { patched: true };
  return outcome;
}
