// Certificates for development and tests, made with the openssl command line: a CA, and
// leaf certificates it signs for servers and clients. `npm run certs` and the TLS tests share it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A certificate and its private key, as PEM files. */
export interface KeyPair {
  readonly certFile: string;
  readonly keyFile: string;
}

/** What `npm start -- --tls` runs with. */
export interface DevelopmentCertificates {
  readonly ca: KeyPair;
  readonly server: KeyPair;
  readonly client: KeyPair;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed certificate authority in `dir`, as `<name>.crt` and `<name>.key`. */
export function makeAuthority(dir: string, name: string): KeyPair {
  mkdirSync(dir, { recursive: true });
  openssl(
    [
      'req',
      '-x509',
      ...KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '3650',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
}

/**
 * A certificate `authority` signs, good for both ends of a TLS connection, in `dir` as
 * `<name>.crt` and `<name>.key`. `days` below 0 makes one that has already expired.
 */
export function issueCertificate(
  dir: string,
  authority: KeyPair,
  name: string,
  {
    hosts = ['localhost', '127.0.0.1', '::1'],
    days = 825,
  }: { hosts?: readonly string[]; days?: number } = {},
): KeyPair {
  mkdirSync(dir, { recursive: true });
  const names = hosts.map((host) => (/^[\d.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`));
  const extensions = join(dir, `${name}.ext`);
  writeFileSync(
    extensions,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=${names.join(',')}`,
    ].join('\n'),
  );
  openssl(['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      authority.certFile,
      '-CAkey',
      authority.keyFile,
      '-CAcreateserial',
      '-days',
      String(days),
      '-out',
      `${name}.crt`,
      '-extfile',
      extensions,
    ],
    dir,
  );
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
}

/**
 * One CA, a server certificate every service presents, and a client certificate the gateway
 * (and you, with grpcurl or Python) presents to them.
 */
export function makeDevelopmentCertificates(dir: string, hosts?: readonly string[]): DevelopmentCertificates {
  const ca = makeAuthority(dir, 'ca');
  return {
    ca,
    server: issueCertificate(dir, ca, 'server', { hosts }),
    client: issueCertificate(dir, ca, 'client', { hosts: ['quartet-client'] }),
  };
}
