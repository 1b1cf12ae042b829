import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PartialObject } from './partial-object';
import { objectStoreRefusal } from './storage-errors';
import type { PartialUpload, StoredFile } from './upload-store';
import { UploadStore } from './upload-store';

/** A stored object's key: the id a begin gave it, then the file's name. */
const STORED_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\//;
/** An empty object written to read the store's clock off its LastModified. */
const CLOCK_KEY = '.quartet-clock';

export interface ObjectStoreSettings {
  /** UPLOAD_BUCKET */
  readonly bucket: string;
  /** AWS_ENDPOINT_URL_S3, for a server other than AWS (MinIO, Ceph, R2, s3rver); the SDK's default otherwise. */
  readonly endpoint?: string;
  /** S3_FORCE_PATH_STYLE: http://host/bucket/key rather than http://bucket.host/key. */
  readonly forcePathStyle: boolean;
}

/**
 * Uploads in an S3-compatible bucket, each as the object <id>/<name>; region and credentials
 * come from the AWS SDK's own chain (AWS_REGION, AWS_ACCESS_KEY_ID…, a web identity, an
 * instance role). Every replica writes to the same bucket, so no volume is shared.
 */
export class S3UploadStore extends UploadStore implements OnModuleInit, OnModuleDestroy {
  private readonly client: S3Client;
  private readonly logger = new Logger(S3UploadStore.name);

  constructor(private readonly settings: ObjectStoreSettings) {
    super();
    this.client = new S3Client({
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
      forcePathStyle: settings.forcePathStyle,
      // Integrity is the sha256 this service computes; the newer flexible checksums are
      // refused by many S3-compatible servers, so they are sent only where S3 requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // A store that stops answering fails the request rather than hold the upload forever.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
      maxAttempts: 3,
    });
  }

  /** Fails the start when the bucket cannot be used: better than failing every upload. */
  async onModuleInit(): Promise<void> {
    const { bucket } = this.settings;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const { name, message } = error as Error;
      throw new Error(
        `the upload bucket ${JSON.stringify(bucket)} (UPLOAD_BUCKET) cannot be used: ${name}: ${message}`,
      );
    }
  }

  onModuleDestroy(): void {
    this.client.destroy();
  }

  async begin(name: string): Promise<PartialUpload> {
    const id = randomUUID();
    return new PartialObject({
      client: this.client,
      bucket: this.settings.bucket,
      id,
      name,
      onAbortFailed: (uploadId, error) =>
        this.logger.warn({
          event: 'multipart-abort-failed',
          key: `${id}/${name}`,
          uploadId,
          error: (error as Error).message,
          left: 'to the bucket lifecycle rule for incomplete multipart uploads',
        }),
    });
  }

  async remove(file: StoredFile): Promise<void> {
    await this.client
      .send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: `${file.id}/${file.name}` }))
      .catch((error: unknown) => {
        throw objectStoreRefusal(error);
      });
  }

  async removeOlderThan(ageMs: number): Promise<number> {
    const Bucket = this.settings.bucket;
    const before = (await this.now()) - ageMs;
    let removed = 0;
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket })) {
      const expired = (page.Contents ?? []).filter(
        ({ Key, LastModified }) =>
          Key !== undefined &&
          STORED_KEY.test(Key) &&
          LastModified !== undefined &&
          LastModified.getTime() < before,
      );
      if (expired.length === 0) continue;
      const { Errors } = await this.client.send(
        new DeleteObjectsCommand({
          Bucket,
          Delete: { Objects: expired.map(({ Key }) => ({ Key })), Quiet: true },
        }),
      );
      removed += expired.length - (Errors?.length ?? 0);
    }
    return removed;
  }

  /** The store's clock: the LastModified it gives an object written now. */
  private async now(): Promise<number> {
    const Bucket = this.settings.bucket;
    await this.client.send(new PutObjectCommand({ Bucket, Key: CLOCK_KEY, Body: '', ContentLength: 0 }));
    const { LastModified } = await this.client.send(new HeadObjectCommand({ Bucket, Key: CLOCK_KEY }));
    if (LastModified === undefined) throw new Error('the object store gave the clock object no LastModified');
    return LastModified.getTime();
  }
}
