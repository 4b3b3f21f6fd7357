import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { releaseDecodedChunks } from './decoder-chunk-release.js';

interface Decoder {
  write(data: Buffer): Buffer[];
  readCompressFlag: Buffer;
  readPartialMessage: Buffer[];
}
const { StreamDecoder } = createRequire(import.meta.url)('@grpc/grpc-js/build/src/stream-decoder.js') as { StreamDecoder: new (max: number) => Decoder };

/** A gRPC frame (flag, length, payload) at `offset` in a 64 KiB buffer, as HTTP/2 hands chunks over. */
function frameInBigBuffer(payload: Buffer, offset = 100): { big: Buffer; chunk: Buffer } {
  const big = Buffer.alloc(64 * 1024);
  big.writeUInt8(0, offset);
  big.writeUInt32BE(payload.length, offset + 1);
  payload.copy(big, offset + 5);
  return { big, chunk: big.subarray(offset, offset + 5 + payload.length) };
}

describe('decoder chunk release', () => {
  it('decoder chunk release - a decoder keeps no view of the read buffer once a message is complete, and decodes as before', () => {
    expect(releaseDecodedChunks()).toBe(true);
    const decoder = new StreamDecoder(-1);
    const payload = Buffer.from('hello, master');
    const { big, chunk } = frameInBigBuffer(payload);
    const out = decoder.write(chunk);
    expect(out).toHaveLength(1);
    expect(out[0]!.subarray(5).toString()).toBe('hello, master');
    expect(decoder.readCompressFlag.buffer).not.toBe(big.buffer);
    expect(decoder.readPartialMessage).toEqual([]);
  });

  it('decoder chunk release - a message split across chunks is held until it is whole, then let go', () => {
    releaseDecodedChunks();
    const decoder = new StreamDecoder(-1);
    const payload = Buffer.from('a message in two pieces');
    const { big, chunk } = frameInBigBuffer(payload);
    expect(decoder.write(chunk.subarray(0, 10))).toEqual([]);
    expect(decoder.readCompressFlag.buffer).toBe(big.buffer);
    const out = decoder.write(Buffer.from(chunk.subarray(10)));
    expect(out.map((m) => m.subarray(5).toString())).toEqual(['a message in two pieces']);
    expect(decoder.readCompressFlag.buffer).not.toBe(big.buffer);
    expect(decoder.readPartialMessage).toEqual([]);
    // Two messages in one chunk, then an empty one: all decoded.
    const two = Buffer.concat([frameInBigBuffer(Buffer.from('x')).chunk, frameInBigBuffer(Buffer.from('yz')).chunk, Buffer.from([0, 0, 0, 0, 0])]);
    expect(decoder.write(two).map((m) => m.subarray(5).toString())).toEqual(['x', 'yz', '']);
  });
});
