import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { patchGrpcStreamDecoder, type StreamDecoderFields, streamDecoderClass, streamDecoderMismatch } from './grpc-stream-decoder.js';
import { installGrpcPatches } from './install-grpc-patches.js';

// The patch relies on grpc-js internals: where StreamDecoder is, its fields, and that
// write() leaves a decoder in state 0 (NO_DATA) after a whole message. These tests fail
// when an upgrade of grpc-js changes any of that; then read the new stream-decoder.js,
// adapt or drop the patch (docs/upstream/grpc-js-stream-decoder.md), and move the pin.

const require = createRequire(import.meta.url);

/** A gRPC frame (flag, length, payload) at `offset` in a 64 KiB buffer, as HTTP/2 hands chunks over. */
function frameInBigBuffer(payload: Buffer, offset = 100): { big: Buffer; chunk: Buffer } {
  const big = Buffer.alloc(64 * 1024);
  big.writeUInt8(0, offset);
  big.writeUInt32BE(payload.length, offset + 1);
  payload.copy(big, offset + 5);
  return { big, chunk: big.subarray(offset, offset + 5 + payload.length) };
}

function newDecoder(): StreamDecoderFields {
  const StreamDecoder = streamDecoderClass();
  if (!StreamDecoder) throw new Error('grpc-js has no StreamDecoder where the patch expects it');
  return new StreamDecoder(-1);
}

describe('grpc stream decoder patch', () => {
  it('grpc stream decoder patch - grpc-js is the exact version the patch was written for, and every package pins it', () => {
    const installed = (require('@grpc/grpc-js/package.json') as { version: string }).version;
    expect(installed).toBe('1.14.7');
    for (const pkg of ['protocol', 'master', 'agent', 'framework-sdk']) {
      const json = JSON.parse(readFileSync(new URL(`../../../${pkg}/package.json`, import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
      expect([pkg, json.dependencies['@grpc/grpc-js']]).toEqual([pkg, installed]);
    }
  });

  it('grpc stream decoder patch - grpc-js has the decoder shape the patch relies on', () => {
    const decoder = newDecoder();
    expect(streamDecoderMismatch(decoder)).toBeUndefined();
    const { chunk } = frameInBigBuffer(Buffer.from('m'));
    decoder.write(chunk);
    expect(decoder.readState).toBe(0);
    expect(Buffer.isBuffer(decoder.readCompressFlag)).toBe(true);
    expect(Array.isArray(decoder.readPartialMessage)).toBe(true);
    // What a changed shape is told apart by.
    expect(streamDecoderMismatch({})).toMatch(/no write method/);
    expect(streamDecoderMismatch({ write() {}, readState: 3, readCompressFlag: Buffer.alloc(1), readPartialMessage: [] })).toMatch(/readState is 3/);
    expect(streamDecoderMismatch({ write() {}, readState: 0, readCompressFlag: 'x', readPartialMessage: [] })).toMatch(/readCompressFlag/);
    expect(streamDecoderMismatch({ write() {}, readState: 0, readCompressFlag: Buffer.alloc(1) })).toMatch(/readPartialMessage/);
  });

  it('grpc stream decoder patch - a decoder keeps no view of the read buffer once a message is complete, and decodes as before', () => {
    expect(installGrpcPatches()).toEqual({ streamDecoder: true });
    expect(patchGrpcStreamDecoder()).toEqual({ patched: true });
    const decoder = newDecoder();
    const { big, chunk } = frameInBigBuffer(Buffer.from('hello, master'));
    const out = decoder.write(chunk);
    expect(out).toHaveLength(1);
    expect(out[0]?.subarray(5).toString()).toBe('hello, master');
    expect(decoder.readCompressFlag.buffer).not.toBe(big.buffer);
    expect(decoder.readPartialMessage).toEqual([]);
  });

  it('grpc stream decoder patch - a message split across chunks is held until it is whole, then let go', () => {
    installGrpcPatches();
    const decoder = newDecoder();
    const { big, chunk } = frameInBigBuffer(Buffer.from('a message in two pieces'));
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
