import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate, type KeyPair, makeAuthority } from '@quartet/certificates';
import { CertificateFiles, type ReloadEvent } from './certificate-files';

describe(CertificateFiles.name, () => {
  let dir: string;
  let ca: KeyPair;
  let first: KeyPair;
  let second: KeyPair;
  let live: KeyPair;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'quartet-certificate-files-'));
    ca = makeAuthority(dir, 'ca');
    first = issueCertificate(dir, ca, 'first');
    second = issueCertificate(dir, ca, 'second');
  });

  beforeEach(() => {
    live = { certFile: join(dir, 'live.crt'), keyFile: join(dir, 'live.key') };
    copyFileSync(first.certFile, live.certFile);
    copyFileSync(first.keyFile, live.keyFile);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const identityOf = (sut: CertificateFiles) =>
    new Promise<Buffer | undefined>((resolve) => {
      const listener = (update: { certificate: Buffer } | null) => {
        sut.removeIdentityCertificateListener(listener);
        resolve(update?.certificate);
      };
      sut.addIdentityCertificateListener(listener);
    });

  it('names a file it cannot read when it is made, not at the first handshake', () => {
    expect(
      () =>
        new CertificateFiles({ certFile: join(dir, 'missing.crt'), keyFile: live.keyFile, reloadMs: 1000 }),
    ).toThrow(`cannot read ${join(dir, 'missing.crt')}: ENOENT`);
  });

  it('refuses a key that is not the certificate’s', () => {
    expect(
      () => new CertificateFiles({ certFile: first.certFile, keyFile: second.keyFile, reloadMs: 1000 }),
    ).toThrow(`${second.keyFile} is not the private key of the certificate in ${first.certFile}`);
  });

  it('refuses a file that holds no certificate', () => {
    const garbage = join(dir, 'garbage.crt');
    writeFileSync(garbage, 'not a certificate');
    expect(() => new CertificateFiles({ caFile: garbage, reloadMs: 1000 })).toThrow(
      `${garbage} holds no PEM certificate`,
    );
  });

  it('hands listeners the files as read, and the new ones after a rotation', async () => {
    const events: ReloadEvent[] = [];
    const sut = new CertificateFiles({ ...live, caFile: ca.certFile, reloadMs: 60_000 }, (event) =>
      events.push(event),
    );
    expect((await identityOf(sut))?.toString()).toContain('BEGIN CERTIFICATE');
    const updates: (Buffer | undefined)[] = [];
    const listener = (update: { certificate: Buffer } | null) => updates.push(update?.certificate);
    sut.addIdentityCertificateListener(listener);
    await Promise.resolve();
    copyFileSync(second.certFile, live.certFile);
    copyFileSync(second.keyFile, live.keyFile);
    sut.reload();
    sut.reload();
    sut.removeIdentityCertificateListener(listener);
    expect(updates.map(String)).toEqual([
      String(await identityOf(new CertificateFiles({ ...first, reloadMs: 60_000 }))),
      String(await identityOf(new CertificateFiles({ ...second, reloadMs: 60_000 }))),
    ]);
    expect(events).toEqual([{ outcome: 'rotated', notAfter: expect.any(String) }]);
  });

  it('keeps the last good pair when a rotation is caught half-way', async () => {
    const events: ReloadEvent[] = [];
    const sut = new CertificateFiles({ ...live, reloadMs: 60_000 }, (event) => events.push(event));
    const before = await identityOf(sut);
    copyFileSync(second.certFile, live.certFile);
    sut.reload();
    expect(events).toEqual([
      {
        outcome: 'refused',
        reason: `${live.keyFile} is not the private key of the certificate in ${live.certFile}`,
      },
    ]);
    expect(await identityOf(sut)).toEqual(before);
  });
});
