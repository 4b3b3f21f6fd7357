import type { TandemError } from '@tandem/protocol';

type AnyHandler = (call: { emit(event: 'error', status: unknown): boolean }, callback?: (status: unknown) => void) => void;

/**
 * Wraps every handler of a gRPC service: while `refusal()` names an error (a standby
 * master: UNAVAILABLE with the leader in the `tandem-leader` trailer), each call is answered
 * with it at once (a unary call through its callback, a stream with its error status) and the
 * handler never runs, so a standby keeps no agent or framework stream.
 */
export function gated<H extends object>(handlers: H, refusal: () => TandemError | undefined): H {
  const out: Record<string, AnyHandler> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, AnyHandler][]) {
    out[name] = (call, callback) => {
      const err = refusal();
      if (!err) return handler(call, callback);
      const status = err.toGrpcStatus();
      if (typeof callback === 'function') callback(status);
      else call.emit('error', status);
    };
  }
  return out as H;
}
