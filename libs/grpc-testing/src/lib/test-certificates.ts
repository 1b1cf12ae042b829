import { type ChannelCredentials, credentials } from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate, type KeyPair, makeAuthority } from '@quartet/certificates';

/** Every certificate the TLS tests use, made fresh by openssl in a scratch directory. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA the services and the gateway trust, and what it issued. */
  readonly ca: KeyPair;
  readonly server: KeyPair;
  readonly client: KeyPair;
  /** A client certificate from a CA nobody here trusts. */
  readonly foreignClient: KeyPair;
  /** A client certificate from the trusted CA that expired yesterday. */
  readonly expiredClient: KeyPair;
  /** Issues another certificate from the trusted CA (a rotation's new one). */
  issue(name: string): KeyPair;
  remove(): void;
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'quartet-certs-'));
  const ca = makeAuthority(dir, 'ca');
  const foreignCa = makeAuthority(join(dir, 'foreign'), 'foreign-ca');
  return {
    dir,
    ca,
    server: issueCertificate(dir, ca, 'server'),
    client: issueCertificate(dir, ca, 'client', { hosts: ['quartet-client'] }),
    foreignClient: issueCertificate(join(dir, 'foreign'), foreignCa, 'client', {
      hosts: ['quartet-client'],
    }),
    expiredClient: issueCertificate(dir, ca, 'expired-client', { hosts: ['quartet-client'], days: -1 }),
    issue: (name) => issueCertificate(dir, ca, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The environment that makes a service serve mTLS with these certificates, rereading them every 200 ms. */
export function serviceTlsEnv(certs: TestCertificates): Record<string, string> {
  return {
    TLS_CERT_FILE: certs.server.certFile,
    TLS_KEY_FILE: certs.server.keyFile,
    TLS_CLIENT_CA_FILE: certs.ca.certFile,
    TLS_RELOAD_MS: '200',
  };
}

/** The environment that makes the gateway call its backends over mTLS with these certificates. */
export function gatewayTlsEnv(certs: TestCertificates): Record<string, string> {
  return {
    GRPC_TLS_CA_FILE: certs.ca.certFile,
    GRPC_TLS_CERT_FILE: certs.client.certFile,
    GRPC_TLS_KEY_FILE: certs.client.keyFile,
    GRPC_TLS_SERVER_NAME: 'localhost',
    TLS_RELOAD_MS: '200',
  };
}

/** grpc-js credentials that trust the test CA and present `client`, or no certificate at all. */
export function testChannelCredentials(certs: TestCertificates, client?: KeyPair): ChannelCredentials {
  return credentials.createSsl(
    readFileSync(certs.ca.certFile),
    client ? readFileSync(client.keyFile) : null,
    client ? readFileSync(client.certFile) : null,
  );
}
