import * as grpc from '@grpc/grpc-js';
import type { AgentClient, OperatorClient, SchedulerClient } from './generated/friendly.js';
import { tandemV1 } from './loader.js';

/** Channel options shared by every Tandem client and server. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
};

export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
};

export interface ClientOptions {
  /** @default insecure */
  credentials?: grpc.ChannelCredentials;
}

const creds = (o: ClientOptions): grpc.ChannelCredentials => o.credentials ?? grpc.credentials.createInsecure();

export function schedulerClient(address: string, options: ClientOptions = {}): SchedulerClient {
  return new (tandemV1().Scheduler)(address, creds(options), CHANNEL_OPTIONS);
}

export function agentClient(address: string, options: ClientOptions = {}): AgentClient {
  return new (tandemV1().Agent)(address, creds(options), CHANNEL_OPTIONS);
}

export function operatorClient(address: string, options: ClientOptions = {}): OperatorClient {
  return new (tandemV1().Operator)(address, creds(options), CHANNEL_OPTIONS);
}

/** Seconds since the epoch, the time unit on the wire. */
export function nowSeconds(): number {
  return Date.now() / 1000;
}
