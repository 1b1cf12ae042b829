import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { objectStoreRefusal } from './storage-errors';
import type { PartialUpload, StoredFile } from './upload-store';

/**
 * The size of each part of a multipart upload: S3's smallest. An upload holds at most
 * PART_QUEUE parts in flight and one being filled, so about 15 MiB however large the file.
 */
export const PART_BYTES = 5 * 1024 * 1024;
const PART_QUEUE = 2;

/** Ends the body of an upload that is given up, so that lib-storage stops reading it. */
class UploadCancelled extends Error {
  override readonly name = 'UploadCancelled';
}

export interface ObjectTarget {
  readonly client: S3Client;
  readonly bucket: string;
  readonly id: string;
  readonly name: string;
  /** Called when a multipart upload could not be aborted: its parts stay until the bucket's lifecycle rule. */
  readonly onAbortFailed: (uploadId: string, error: unknown) => void;
}

/**
 * An object being uploaded to `<id>/<name>`, streamed as its chunks arrive: lib-storage sends
 * each 5 MiB as a part (a smaller file as one PutObject) while the sha256 is computed on the
 * way. The object exists only once `commit` ends the body and S3 completes the upload, after
 * the client half-closed; `abort` ends it with an error and aborts the multipart upload, so
 * that no object and no parts are left.
 */
export class PartialObject implements PartialUpload {
  private readonly body = new PassThrough({ highWaterMark: 1024 * 1024 });
  private readonly hash = createHash('sha256');
  private readonly upload: Upload;
  /** Settles when the upload does, with why it failed, if it did. */
  private readonly settled: Promise<unknown>;
  private failure?: Error;
  private written = 0;
  private state: 'open' | 'committing' | 'done' = 'open';

  constructor(private readonly target: ObjectTarget) {
    this.upload = new Upload({
      client: target.client,
      params: { Bucket: target.bucket, Key: `${target.id}/${target.name}`, Body: this.body },
      partSize: PART_BYTES,
      queueSize: PART_QUEUE,
      // Aborted here, where a failure to abort is seen and logged, not inside lib-storage.
      leavePartsOnError: true,
    });
    this.settled = this.upload.done().then(
      () => undefined,
      (error: unknown) => {
        if (!(error instanceof UploadCancelled)) this.failure ??= objectStoreRefusal(error);
        return error;
      },
    );
  }

  get size(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    this.hash.update(chunk);
    if (!this.body.write(chunk)) {
      const stop = new AbortController();
      await Promise.race([
        once(this.body, 'drain', { signal: stop.signal }).catch(() => undefined),
        this.settled,
      ]);
      stop.abort();
    }
    if (this.failure) throw this.failure;
    this.written += chunk.length;
  }

  async commit(): Promise<StoredFile> {
    if (this.state !== 'open') throw new Error(`cannot commit an object that is ${this.state}`);
    this.state = 'committing';
    this.body.end();
    await this.settled;
    this.state = 'done';
    if (this.failure) {
      await this.abortParts();
      throw this.failure;
    }
    const { id, name } = this.target;
    return { id, name, size: this.written, sha256: this.hash.digest('hex') };
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'done';
    this.body.destroy(new UploadCancelled('the upload was given up'));
    await this.settled;
    await this.abortParts();
  }

  /** Aborts the multipart upload, if one was begun: S3 then drops its parts. */
  private async abortParts(): Promise<void> {
    const { uploadId } = this.upload;
    if (uploadId === undefined) return;
    const { client, bucket, id, name } = this.target;
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: `${id}/${name}`, UploadId: uploadId }))
      .catch((error: unknown) => this.target.onAbortFailed(uploadId, error));
  }
}
