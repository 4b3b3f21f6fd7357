import * as grpc from '@grpc/grpc-js';
import type { GrpcCredential } from './credentials-file.js';
import { AUTHORIZATION_METADATA, credentialMetadataValue } from './grpc-principal.js';

/** A client interceptor that sends `credential` with every call, as `authorization` metadata. */
export function credentialInterceptor(credential: GrpcCredential): grpc.Interceptor {
  const value = credentialMetadataValue(credential);
  return (options, next) =>
    new grpc.InterceptingCall(next(options), {
      start(metadata, listener, nextStart) {
        metadata.set(AUTHORIZATION_METADATA, value);
        nextStart(metadata, listener);
      },
    });
}
