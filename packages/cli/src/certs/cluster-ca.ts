import { webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { Code, TandemError, ValidationError } from '@tandem/protocol';
import { CERT_ROLES, type CertRole } from './cert-roles.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { CERT_ROLES, type CertRole } from './cert-roles.js';

export const CA_CERT_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';
export const DEFAULT_MASTER_HOSTS: readonly string[] = ['localhost', '127.0.0.1'];
const CA_YEARS = 10;
const LEAF_YEARS = 1;
const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface IssueOptions {
  dir: string;
  role: CertRole;
  name: string;
  /**
   * DNS names and IPs the certificate is valid for (SANs); a certificate with any also
   * serves (serverAuth): an agent's, apps' or jobs' HTTPS API. @default localhost,127.0.0.1 for a master, none otherwise
   */
  hosts?: readonly string[];
}

/** A file written, and what it is for. */
export interface WrittenFile {
  path: string;
  purpose: string;
}

const yearsFrom = (from: Date, years: number): Date => {
  const to = new Date(from);
  to.setUTCFullYear(to.getUTCFullYear() + years);
  return to;
};

const serial = (): string =>
  Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');

const keyPem = async (key: webcrypto.CryptoKey): Promise<string> => x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function writeSecret(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
}

/** Makes a cluster CA in `dir`: ca.crt (give it to everyone) and ca.key (0600; keep it off the cluster). Refuses to overwrite one. */
export async function initCa(dir: string): Promise<WrittenFile[]> {
  await mkdir(dir, { recursive: true });
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  for (const p of [certPath, keyPath]) {
    if (await exists(p)) throw new TandemError(Code.AlreadyExists, `${p} exists: a cluster CA is already there (remove it to make a new one)`);
  }
  const keys = await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=Tandem cluster CA, OU=ca',
    notBefore: now,
    notAfter: yearsFrom(now, CA_YEARS),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  await writeSecret(keyPath, await keyPem(keys.privateKey));
  await writeFile(certPath, cert.toString('pem'), { flag: 'wx' });
  return [
    { path: certPath, purpose: "the cluster CA's certificate: give it to every master, agent, framework and operator (--tls-ca)" },
    {
      path: keyPath,
      purpose: "the CA's private key (0600): it signs every certificate; keep it where `tandem certs issue` runs, never on the cluster's machines",
    },
  ];
}

function checkHosts(hosts: readonly string[]): void {
  for (const h of hosts) {
    if (!/^[A-Za-z0-9.*:-]+$/.test(h)) throw new ValidationError('--host', `not a host name or IP: ${JSON.stringify(h)}`);
  }
}

/** Issues a certificate for `role`/`name`, signed by the CA in `dir`: `<role>-<name>.crt` and `.key` (0600). */
export async function issueCert(o: IssueOptions): Promise<WrittenFile[]> {
  if (!CERT_ROLES.includes(o.role)) throw new ValidationError('--role', `must be one of ${CERT_ROLES.join(', ')}, got ${JSON.stringify(o.role)}`);
  if (!NAME_PATTERN.test(o.name)) throw new ValidationError('--name', `must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(o.name)}`);
  const hosts = o.hosts ?? (o.role === 'master' ? DEFAULT_MASTER_HOSTS : []);
  checkHosts(hosts);
  const caCertPath = join(o.dir, CA_CERT_FILE);
  const caKeyPath = join(o.dir, CA_KEY_FILE);
  let caPem: string;
  let caKeyPem: string;
  try {
    [caPem, caKeyPem] = await Promise.all([readFile(caCertPath, 'utf8'), readFile(caKeyPath, 'utf8')]);
  } catch (err) {
    throw new TandemError(Code.NotFound, `no cluster CA in ${o.dir} (run \`tandem certs init --dir ${o.dir}\` first): ${(err as Error).message}`, {
      cause: err,
    });
  }
  const caCert = new x509.X509Certificate(caPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(caKeyPem), EC_KEY, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
  const now = new Date();
  // A master serves (agents, frameworks, operators dial it) and will dial other masters; any
  // other certificate with host names serves too (the HTTPS API of an agent, apps or jobs).
  const usages =
    o.role === 'master' || hosts.length > 0 ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.clientAuth];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(usages),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  if (hosts.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(hosts.map((h) => (isIP(h) ? { type: 'ip', value: h } : { type: 'dns', value: h }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${o.name}, OU=${o.role}`,
    issuer: caCert.subject,
    notBefore: now,
    notAfter: yearsFrom(now, LEAF_YEARS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING,
    extensions,
  });
  const base = join(o.dir, `${o.role}-${o.name}`);
  for (const p of [`${base}.crt`, `${base}.key`]) {
    if (await exists(p)) throw new TandemError(Code.AlreadyExists, `${p} exists: remove it to issue a new one`);
  }
  await writeSecret(`${base}.key`, await keyPem(keys.privateKey));
  await writeFile(`${base}.crt`, cert.toString('pem'), { flag: 'wx' });
  const sans = hosts.length > 0 ? `, valid for ${hosts.join(', ')}` : '';
  return [
    { path: `${base}.crt`, purpose: `the ${o.role} certificate of ${o.name} (CN=${o.name}, OU=${o.role}${sans}), signed by the cluster CA (--tls-cert)` },
    { path: `${base}.key`, purpose: `its private key (0600), for ${o.name} only (--tls-key)` },
  ];
}
