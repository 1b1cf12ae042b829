import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startS3Server } from './s3-server';

describe(startS3Server.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'quartet-s3-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts an S3-compatible server on a free loopback port with its buckets, and stops it', async () => {
    const s3 = await startS3Server({ dir, buckets: ['spec-bucket'] });
    try {
      expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // An S3 server, in S3's words: the bucket made at start is listed, another is missing.
      const answer = await fetch(`${s3.endpoint}/spec-bucket`);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('<Name>spec-bucket</Name>');
      const missing = await fetch(`${s3.endpoint}/no-such-bucket`);
      expect(await missing.text()).toContain('<Code>NoSuchBucket</Code>');
    } finally {
      await s3.stop();
    }
    expect(s3.child.exitCode !== null || s3.child.signalCode !== null).toBe(true);
  });
});
