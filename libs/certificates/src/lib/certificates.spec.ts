import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate, makeAuthority, makeDevelopmentCertificates } from './certificates';

describe(makeDevelopmentCertificates.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'quartet-certificates-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const read = (file: string) => new X509Certificate(readFileSync(file));

  it('issues a server certificate for the loopback names and a client one, both signed by its CA', () => {
    const sut = makeDevelopmentCertificates(join(dir, 'development'));
    const ca = read(sut.ca.certFile);

    expect(ca.ca).toBe(true);
    const server = read(sut.server.certFile);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(server.checkHost('localhost')).toBe('localhost');
    const client = read(sut.client.certFile);
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(client.subjectAltName).toBe('DNS:quartet-client');
  });

  it('issues one that has already expired when asked for negative days', () => {
    const ca = makeAuthority(join(dir, 'expired'), 'ca');
    const sut = issueCertificate(join(dir, 'expired'), ca, 'old', { days: -1 });

    expect(new Date(read(sut.certFile).validTo).getTime()).toBeLessThan(Date.now());
  });
});
