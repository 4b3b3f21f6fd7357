export {
  ACL_ACTIONS,
  ACL_OBJECTS,
  type AclAction,
  type AclDecision,
  type AclEntity,
  type AclRule,
  Acls,
  globMatch,
  isAclAction,
  parseAcls,
  SELF,
} from './acls.js';
export { credentialInterceptor } from './credential-interceptor.js';
export { asBasic, type GrpcCredential, parseCredential, parseCredentials } from './credentials-file.js';
export {
  AUTHORIZATION_METADATA,
  type AuthenticatedCall,
  type CallAuthContext,
  certificatePrincipal,
  credentialMetadataValue,
  GrpcAuthenticator,
  type GrpcAuthenticatorOptions,
} from './grpc-principal.js';
