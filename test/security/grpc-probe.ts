import * as grpc from '@grpc/grpc-js';
import { messageCodec } from '@tandem/protocol';
import { Raw } from './fuzz-support.js';

// Raw gRPC calls for the fuzzer: a message is encoded here (protobufjs, as the clients
// encode) or given as bytes, and sent with an identity serializer, so the master sees
// exactly what was written, garbage included. Each call resolves to the status it ended
// with (OK when a stream answered with a message, which the caller then cancels).

export interface GrpcOutcome {
  code: grpc.status;
  details: string;
}

const identity = (b: Buffer): Buffer => b;

/** Raw numbers of fuzz-support as the numbers they parse to, placeholders replaced by `vars`. */
export function wireValue(v: unknown, vars: Record<string, string> = {}): unknown {
  if (v instanceof Raw) return Number(v.text);
  if (typeof v === 'string') return vars[v] ?? v;
  if (Array.isArray(v)) return v.map((x) => wireValue(x, vars));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = wireValue(x, vars);
    return out;
  }
  return v;
}

/** `message` as `tandem.v1.<type>` bytes, or undefined when it cannot be written as one (protobufjs refuses the value). */
export function encode(type: string, message: unknown): Buffer | undefined {
  try {
    return messageCodec<unknown, unknown>(type).encode(message);
  } catch {
    return undefined;
  }
}

export class RawGrpc {
  private readonly client: grpc.Client;

  constructor(address: string) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  }

  close(): void {
    this.client.close();
  }

  unary(path: string, bytes: Buffer, timeoutMs = 15_000): Promise<GrpcOutcome> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(path, identity, identity, bytes, { deadline: Date.now() + timeoutMs }, (err) => {
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' });
      });
    });
  }

  /** A server stream: its first message (OK) or its status, whichever comes first; open after `waitMs` counts as OK. */
  serverStream(path: string, bytes: Buffer, waitMs = 3_000): Promise<GrpcOutcome> {
    const call = this.client.makeServerStreamRequest(path, identity, identity, bytes);
    return settle(call, waitMs);
  }

  /** A bidirectional stream: `messages` written in order, then as `serverStream`. */
  bidi(path: string, messages: Buffer[], waitMs = 1_500): Promise<GrpcOutcome> {
    const call = this.client.makeBidiStreamRequest(path, identity, identity);
    for (const m of messages) call.write(m);
    return settle(call, waitMs);
  }
}

function settle(call: grpc.ClientReadableStream<Buffer> | grpc.ClientDuplexStream<Buffer, Buffer>, waitMs: number): Promise<GrpcOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: GrpcOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(o);
      call.cancel();
    };
    const timer = setTimeout(() => finish({ code: grpc.status.OK, details: 'open' }), waitMs);
    call.on('data', () => finish({ code: grpc.status.OK, details: '' }));
    call.on('error', (err: grpc.ServiceError) => finish({ code: err.code, details: err.details }));
    call.on('status', (s: grpc.StatusObject) => finish({ code: s.code, details: s.details }));
  });
}

/** Why an outcome is not a clean answer: INTERNAL/UNKNOWN (a crash), or a refusal without a message. */
export function uncleanOutcome(o: GrpcOutcome): string | undefined {
  if (o.code === grpc.status.OK || o.code === grpc.status.CANCELLED) return undefined;
  if (o.code === grpc.status.INTERNAL || o.code === grpc.status.UNKNOWN) return `${grpc.status[o.code]}: ${o.details}`;
  if (!o.details) return `${grpc.status[o.code]} without a message`;
  return undefined;
}
