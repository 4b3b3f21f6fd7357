import type * as grpc from '@grpc/grpc-js';
import { MAX_GRPC_MESSAGE_BYTES } from './api-limits.js';
import { credentialInterceptor } from './auth/credential-interceptor.js';
import type { GrpcCredential } from './auth/credentials-file.js';
import type { AgentClient, OperatorClient, SchedulerClient } from './generated/friendly.js';
import { tandemV1 } from './loader.js';
import { clientCredentials, type TlsFiles } from './tls.js';

/** Channel options shared by every Tandem client and server. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
  // grpc-js redials a lost server after 1 s, then x1.6 up to 120 s: a master back after a
  // 1 s restart would wait out a 2.6 s or 5 s step. Short steps, capped at 2 s, bring the
  // agents and frameworks back within about a second of the master.
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  // Channelz (grpc-js' call and socket statistics) is on by default and nothing reads it.
  'grpc.enable_channelz': 0,
};

export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.keepalive_permit_without_calls': 1,
  // Channelz is on by default and nothing reads it; it cost ≈0.02 ms per new agent stream.
  'grpc.enable_channelz': 0,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
};

export interface ClientOptions {
  /** @default clientCredentials(tls): mutual TLS with `tls`, plaintext without */
  credentials?: grpc.ChannelCredentials;
  /** This client's certificate and key and the cluster CA: TLS, never plaintext. */
  tls?: TlsFiles;
  /** Added to (or overriding) CHANNEL_OPTIONS. */
  channelOptions?: grpc.ChannelOptions;
  /** A principal and secret (`--credential FILE`) sent with every call as `authorization` metadata. */
  credential?: GrpcCredential;
}

const creds = (o: ClientOptions): grpc.ChannelCredentials => o.credentials ?? clientCredentials(o.tls);

/** The client's options: CHANNEL_OPTIONS, then `channelOptions`, and the credential's interceptor. */
const clientOptions = (o: ClientOptions, extra?: grpc.ChannelOptions): grpc.ClientOptions => ({
  ...CHANNEL_OPTIONS,
  ...extra,
  ...(o.credential ? { interceptors: [credentialInterceptor(o.credential)] } : {}),
});

export function schedulerClient(address: string, options: ClientOptions = {}): SchedulerClient {
  return new (tandemV1().Scheduler)(address, creds(options), clientOptions(options));
}

export function agentClient(address: string, options: ClientOptions = {}): AgentClient {
  return new (tandemV1().Agent)(address, creds(options), clientOptions(options, options.channelOptions));
}

export function operatorClient(address: string, options: ClientOptions = {}): OperatorClient {
  return new (tandemV1().Operator)(address, creds(options), clientOptions(options));
}

/** Seconds since the epoch, the time unit on the wire. */
export function nowSeconds(): number {
  return Date.now() / 1000;
}
