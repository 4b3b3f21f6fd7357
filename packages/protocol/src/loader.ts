import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AgentProto } from './generated/agent.js';
import type { ProtoGrpcType as OperatorProto } from './generated/operator.js';
import type { ProtoGrpcType as SchedulerProto } from './generated/scheduler.js';

/** Where the .proto files live: `proto/` at the repository root. */
export const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'proto');

/** Must match the flags in scripts/gen-proto.mjs, or the generated types lie. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/** Every file under `proto/` (wire_views.proto: see message-codec.ts). */
export const PROTO_FILES: readonly string[] = ['agent', 'common', 'frameworks', 'operator', 'scheduler', 'tasks', 'wire_views'].map(
  (f) => `tandem/v1/${f}.proto`,
);

type TandemV1 = SchedulerProto['tandem']['v1'] & AgentProto['tandem']['v1'] & OperatorProto['tandem']['v1'];

let cached: TandemV1 | undefined;

/** The loaded `tandem.v1` package: message types, service definitions and client constructors. */
export function tandemV1(): TandemV1 {
  if (!cached) {
    const definition = protoLoader.loadSync([...PROTO_FILES], LOADER_OPTIONS);
    const loaded = grpc.loadPackageDefinition(definition) as unknown as SchedulerProto & AgentProto & OperatorProto;
    cached = loaded.tandem.v1;
  }
  return cached;
}
