import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { eventually, type ServiceProcess, spawnService } from '@quartet/grpc-testing';
import { type S3Server, startS3Server } from '@quartet/processes';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestGateway, type TestGateway } from './fixture';
import { pushUntilStalled } from './upload-body';

const BUCKET = 'quartet-uploads';
const MiB = 1024 * 1024;

/** The gateway in front of the built upload service on an S3-compatible bucket (UPLOAD_BUCKET). */
describe('POST /api/uploads into a bucket', () => {
  let dir: string;
  let s3: S3Server;
  let bucket: S3Client;
  let upload: ServiceProcess;
  let gateway: TestGateway;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quartet-gateway-bucket-'));
    s3 = await startS3Server({ dir, buckets: [BUCKET] });
    bucket = s3.client();
    upload = await spawnService('upload', {
      env: { ...s3.env, UPLOAD_BUCKET: BUCKET, INSTANCE_ID: 'upload-1', UPLOAD_MAX_BYTES: String(64 * MiB) },
    });
    const unused = '127.0.0.1:9';
    gateway = await startTestGateway({
      greeter: unused,
      ticker: unused,
      chat: unused,
      upload: upload.address,
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await upload?.stop();
    bucket?.destroy();
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function objects(): Promise<string[]> {
    const { Contents } = await bucket.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    return (Contents ?? []).map(({ Key }) => Key ?? '').filter((key) => !key.startsWith('.'));
  }

  /** Multipart uploads the server holds that were neither completed nor aborted (a folder with a `key` file each). */
  const openMultiparts = () =>
    readdirSync(dir, { recursive: true, withFileTypes: true }).filter(
      (entry) => entry.isFile() && entry.name === 'key',
    ).length;

  it('lands the body whole in the bucket as <id>/<name>, with the sha256 it answers', async () => {
    const bytes = randomBytes(12 * MiB + 99);
    const response = await gateway.fetch('/api/uploads?name=report.pdf', {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/pdf' },
    });
    expect(response.status).toBe(201);
    const stored = (await response.json()) as { id: string; size: number; sha256: string };
    expect(stored).toMatchObject({
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });

    expect(await objects()).toEqual([`${stored.id}/report.pdf`]);
    const { Body } = await bucket.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `${stored.id}/report.pdf` }),
    );
    expect(Buffer.from((await Body?.transformToByteArray()) ?? []).equals(bytes)).toBe(true);
  }, 30_000);

  it('leaves no object when the client cuts the upload mid-body', async () => {
    const before = await objects();
    const multipartsBefore = openMultiparts();
    const sending = await pushUntilStalled(
      `${gateway.url}/api/uploads?name=cut.bin`,
      12 * MiB,
      await gateway.signedIn(),
    );
    // Past the first 5 MiB part: the bucket holds parts of it, as a multipart upload.
    await eventually(() => openMultiparts() > multipartsBefore, { what: 'the multipart upload to begin' });
    sending.abort();

    // The cut reaches the upload service as a cancel: its multipart upload is aborted (this
    // server cannot, and the service says so in its log) or, when the cancel came as the end
    // of the messages first, completed and its object removed as the cancel landed.
    const abortTried = () => upload.logged('multipart-abort-failed').length > 0;
    await eventually(
      async () =>
        (abortTried() || openMultiparts() === multipartsBefore) && (await objects()).length === before.length,
      { what: 'no object and no multipart upload to be left of the cut upload' },
    );
    expect(await objects()).toEqual(before);
  }, 30_000);
});
