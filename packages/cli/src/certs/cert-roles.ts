/** What a certificate is for; its OU. A principal will be read as `OU/CN` (see docs/security.md). Light: no X.509 library. */
export const CERT_ROLES = ['master', 'agent', 'framework', 'operator'] as const;
export type CertRole = (typeof CERT_ROLES)[number];
