import { createRequire } from 'node:module';

// grpc-js' StreamDecoder (1.14) keeps, after a whole message, a 1-byte slice of the chunk
// the message began in (`readCompressFlag`) and the slices it was read from
// (`readPartialMessage`) until the stream's next message. A chunk is a view of the HTTP/2
// session's read buffer (up to 64 KiB, shared by every stream of the connection), so each
// idle stream pins a whole read buffer: at 10,000 agent streams that was up to 44 MiB of
// ArrayBuffers held for a byte each. Both fields are only read again after the next
// message resets them, so dropping them once a message is complete changes nothing else.

interface DecoderFields {
  readState: number;
  readCompressFlag: Buffer;
  readPartialMessage: Buffer[];
}

interface DecoderPrototype {
  write(this: DecoderFields, data: Buffer): Buffer[];
}

const NO_DATA = 0;
const FLAG = Buffer.alloc(1);
let patched: boolean | undefined;

/**
 * Makes grpc-js' stream decoders let go of the last chunk once a message is complete.
 * Returns false, changing nothing, when grpc-js has no decoder of the expected shape.
 */
export function releaseDecodedChunks(): boolean {
  if (patched !== undefined) return patched;
  patched = false;
  let proto: DecoderPrototype | undefined;
  try {
    const mod = createRequire(import.meta.url)('@grpc/grpc-js/build/src/stream-decoder.js') as { StreamDecoder?: { prototype: DecoderPrototype } };
    proto = mod.StreamDecoder?.prototype;
  } catch {
    return false;
  }
  if (typeof proto?.write !== 'function') return false;
  const write = proto.write;
  proto.write = function (this: DecoderFields, data: Buffer): Buffer[] {
    const messages = write.call(this, data);
    if (this.readState === NO_DATA && this.readCompressFlag !== FLAG) {
      this.readCompressFlag = FLAG;
      this.readPartialMessage = [];
    }
    return messages;
  };
  patched = true;
  return true;
}
