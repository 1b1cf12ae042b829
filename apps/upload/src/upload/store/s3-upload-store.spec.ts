import { status } from '@grpc/grpc-js';
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { type S3Server, startS3Server } from '@quartet/processes';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PART_BYTES } from './partial-object';
import { S3UploadStore } from './s3-upload-store';
import type { PartialUpload } from './upload-store';

const BUCKET = 'quartet-uploads';
const MiB = 1024 * 1024;

describe(S3UploadStore.name, () => {
  let dir: string;
  let s3: S3Server;
  let bucket: S3Client;
  let sut: S3UploadStore;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quartet-s3-store-'));
    s3 = await startS3Server({ dir, buckets: [BUCKET, 'doomed-bucket'] });
    // The SDK's own chain reads region and credentials, as it does in a deployment.
    Object.assign(process.env, s3.env);
    bucket = s3.client();
    sut = new S3UploadStore({ bucket: BUCKET, endpoint: s3.endpoint, forcePathStyle: true });
    await sut.onModuleInit();
  }, 30_000);

  afterAll(async () => {
    sut?.onModuleDestroy();
    bucket?.destroy();
    await s3?.stop();
    process.env = savedEnv;
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const key of await keys()) await bucket.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    jest.restoreAllMocks();
  });

  async function keys(name = BUCKET): Promise<string[]> {
    const { Contents } = await bucket.send(new ListObjectsV2Command({ Bucket: name }));
    return (Contents ?? []).map(({ Key }) => Key ?? '').filter((key) => !key.startsWith('.'));
  }

  async function content(key: string): Promise<Buffer> {
    const { Body } = await bucket.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from((await Body?.transformToByteArray()) ?? []);
  }

  async function writeAll(file: PartialUpload, data: Buffer): Promise<void> {
    for (let offset = 0; offset < data.length; offset += MiB)
      await file.write(data.subarray(offset, offset + MiB));
  }

  it('streams a file of several parts into <id>/<name>, which exists only once committed', async () => {
    const data = randomBytes(2 * PART_BYTES + 3 * MiB + 17);
    const file = await sut.begin('parts.bin');
    await writeAll(file, data);
    expect(await keys()).toEqual([]);

    const stored = await file.commit();
    expect(stored).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'parts.bin',
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
    expect(await keys()).toEqual([`${stored.id}/parts.bin`]);
    expect((await content(`${stored.id}/parts.bin`)).equals(data)).toBe(true);
  }, 30_000);

  it('stores a small file and an empty one, each as one object', async () => {
    const small = await sut.begin('small.txt');
    await small.write(Buffer.from('hello world'));
    const stored = await small.commit();
    const empty = await (await sut.begin('empty')).commit();

    expect((await keys()).sort()).toEqual([`${stored.id}/small.txt`, `${empty.id}/empty`].sort());
    expect((await content(`${stored.id}/small.txt`)).toString()).toBe('hello world');
    expect(empty).toMatchObject({ size: 0, sha256: createHash('sha256').digest('hex') });
  });

  it('leaves no object when aborted, before or after its multipart upload began', async () => {
    const warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const early = await sut.begin('early.bin');
    await early.write(randomBytes(MiB));
    await early.abort();
    const late = await sut.begin('late.bin');
    await writeAll(late, randomBytes(PART_BYTES + 2 * MiB));
    await late.abort();

    expect(await keys()).toEqual([]);
    await expect(late.commit()).rejects.toThrow('cannot commit an object that is done');
    // This server has no AbortMultipartUpload: the parts are left to the bucket's lifecycle rule, and said so.
    expect(warnings).toHaveBeenCalledWith(expect.objectContaining({ event: 'multipart-abort-failed' }));
  }, 30_000);

  it('removes a stored object on request', async () => {
    const stored = await (await sut.begin('gone.txt')).commit();
    await sut.remove(stored);
    expect(await keys()).toEqual([]);
  });

  it('removes objects older than the retention by the store’s clock, and keeps newer ones', async () => {
    const old = await (await sut.begin('old.txt')).commit();
    await delay(2_500);
    const fresh = await (await sut.begin('fresh.txt')).commit();

    expect(await sut.removeOlderThan(1_500)).toBe(1);
    expect(await keys()).toEqual([`${fresh.id}/fresh.txt`]);
    expect(old.id).not.toBe(fresh.id);
  }, 20_000);

  it('refuses the next chunk with RESOURCE_EXHAUSTED, naming the reason, once the store refused a write', async () => {
    const doomed = new S3UploadStore({
      bucket: 'doomed-bucket',
      endpoint: s3.endpoint,
      forcePathStyle: true,
    });
    await doomed.onModuleInit();
    const file = await doomed.begin('refused.bin');
    await bucket.send(new DeleteBucketCommand({ Bucket: 'doomed-bucket' }));
    let refusal: unknown;
    // The first part goes out once 5 MiB are in; the refusal is seen by a chunk soon after.
    for (let chunk = 0; chunk < 4 * (PART_BYTES / MiB) && refusal === undefined; chunk += 1) {
      refusal = await file.write(randomBytes(MiB)).then(
        () => undefined,
        (error: unknown) => error,
      );
    }
    expect(refusal).toMatchObject({
      error: {
        code: status.RESOURCE_EXHAUSTED,
        message: expect.stringMatching(/^the object store refused the write: NoSuchBucket \(HTTP 404\)/),
      },
    });
    await file.abort();
    doomed.onModuleDestroy();
  }, 30_000);

  it('will not start on a bucket that does not exist', async () => {
    const missing = new S3UploadStore({
      bucket: 'no-such-bucket',
      endpoint: s3.endpoint,
      forcePathStyle: true,
    });
    await expect(missing.onModuleInit()).rejects.toThrow(
      /^the upload bucket "no-such-bucket" \(UPLOAD_BUCKET\) cannot be used: NotFound/,
    );
    missing.onModuleDestroy();
  });
});
