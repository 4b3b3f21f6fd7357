import type * as grpc from '@grpc/grpc-js';
import { type TandemError, ValidationError } from '@tandem/protocol';

const UNDECODABLE = Symbol('undecodable');

/** What a guarded deserializer returns for bytes that are not its message. */
interface Undecodable {
  readonly [UNDECODABLE]: TandemError;
}

function isUndecodable(value: unknown): value is Undecodable {
  return typeof value === 'object' && value !== null && UNDECODABLE in value;
}

/** The part of a grpc-js server call read here (every kind of call has it). */
interface AnyCall {
  request?: unknown;
  emit(event: string, ...args: unknown[]): boolean;
}

type AnyHandler = (call: AnyCall, callback?: (status: unknown) => void) => void;

/**
 * A service and its handlers such that a request that cannot be decoded as its message is
 * INVALID_ARGUMENT naming the message type, from Tandem, instead of grpc-js' own INTERNAL
 * "Error deserializing request" (which reads as a crash; the gRPC fuzzer's garbage bytes got
 * it). The deserializers never throw: they return a marker, and each handler answers a
 * marker before any of its code runs (a unary call through its callback, a server stream
 * with its error status, a client or bidirectional stream at the first such message).
 * Wrap the handlers innermost, so authentication and limits still come first.
 */
export function guardDecoding<H extends object>(service: grpc.ServiceDefinition, handlers: H): { service: grpc.ServiceDefinition; handlers: H } {
  const guarded: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const out: Record<string, AnyHandler> = {};
  for (const [name, method] of Object.entries(service)) {
    const type = method.path.split('/')[1]?.replace(/^tandem\.v1\./, '') ?? name;
    guarded[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          return { [UNDECODABLE]: new ValidationError('request', `is not a valid request of ${type}/${name} (${why})`) } satisfies Undecodable;
        }
      },
    };
    const handler = (handlers as Record<string, AnyHandler>)[name];
    if (!handler) continue;
    out[name] = method.requestStream
      ? (call, callback) => {
          // Messages of a client or bidirectional stream arrive as 'data' events: a marker ends the call.
          const emit = call.emit.bind(call);
          call.emit = (event: string, ...args: unknown[]): boolean => {
            const first = args[0];
            if (event === 'data' && isUndecodable(first)) {
              const status = first[UNDECODABLE].toGrpcStatus();
              if (typeof callback === 'function') callback(status);
              else emit('error', status);
              return true;
            }
            return emit(event, ...args);
          };
          handler(call, callback);
        }
      : (call, callback) => {
          if (!isUndecodable(call.request)) return handler(call, callback);
          const status = call.request[UNDECODABLE].toGrpcStatus();
          if (typeof callback === 'function') callback(status);
          else call.emit('error', status);
        };
  }
  return { service: guarded as grpc.ServiceDefinition, handlers: { ...handlers, ...out } as H };
}
