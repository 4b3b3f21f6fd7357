import { componentLogger } from '../logger.js';
import { patchGrpcStreamDecoder } from './grpc-stream-decoder.js';

/** Which patches of dependencies are in place. */
export interface GrpcPatches {
  /** grpc-js' StreamDecoder lets go of the HTTP/2 read buffer between messages (grpc-stream-decoder.ts). */
  streamDecoder: boolean;
}

/**
 * Installs Tandem's patches of @grpc/grpc-js, once per process, before any server or
 * channel is made: `tandem` calls it first thing (master, agent, hollow, up and every
 * other command), and so should any process that embeds a Master (its thousands of idle
 * agent streams are what the patches are for). Idempotent. A patch whose target has
 * changed shape is left out with a warning; nothing else changes.
 */
export function installGrpcPatches(): GrpcPatches {
  if (installed) return installed;
  const decoder = patchGrpcStreamDecoder();
  if (!decoder.patched) {
    componentLogger('grpc-patches').warn({ reason: decoder.reason }, 'grpc-js stream decoders not patched: idle streams may each hold a 64 KiB read buffer');
  }
  installed = { streamDecoder: decoder.patched };
  return installed;
}

let installed: GrpcPatches | undefined;
