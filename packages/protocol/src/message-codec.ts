import { join } from 'node:path';
import protobuf from 'protobufjs';
import { LOADER_OPTIONS, PROTO_DIR, PROTO_FILES } from './loader.js';

/**
 * One message type's generated encoder and decoder, with the wire's loader options: a
 * decoded message has exactly the shape of one received off a gRPC stream (`X`), and
 * `encode` takes what a stream's serializer takes (`XInit`).
 */
export interface MessageCodec<Out, In> {
  encode(message: In): Buffer;
  decode(bytes: Uint8Array): Out;
}

let root: protobuf.Root | undefined;

/**
 * The protobufjs root of every file under `proto/`, loaded as `@grpc/proto-loader` loads
 * them (same files, same `keepCase`): the reflection the codecs are generated from, and
 * what wire-views.test.ts compares views with.
 */
export function protoRoot(): protobuf.Root {
  if (!root) {
    const loaded = new protobuf.Root();
    loaded.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(PROTO_DIR, target));
    loaded.loadSync([...PROTO_FILES], { keepCase: LOADER_OPTIONS.keepCase ?? false });
    loaded.resolveAll();
    root = loaded;
  }
  return root;
}

/** The codec of `tandem.v1.<name>`; throws when there is no such message. */
export function messageCodec<Out, In>(name: string): MessageCodec<Out, In> {
  const type = protoRoot().lookupType(`tandem.v1.${name}`);
  const options = LOADER_OPTIONS as protobuf.IConversionOptions;
  return {
    // As @grpc/proto-loader's serializer and deserializer do.
    encode: (message) => type.encode(type.fromObject(message as Record<string, unknown>)).finish() as Buffer,
    decode: (bytes) => type.toObject(type.decode(bytes), options) as Out,
  };
}
