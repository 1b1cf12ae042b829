import { UPLOAD_MAX_CHUNK_BYTES } from '@quartet/proto';
import { status } from '@grpc/grpc-js';
import { rpcError } from '@quartet/grpc-server';
import type { FileInfo, UploadRequest, UploadResponse } from '@quartet/proto';
import { fileNameProblem } from './upload-rules';
import type { PartialUpload, StoredFile, UploadStore } from './store/upload-store';

/**
 * One upload stream, message by message: `info` exactly once and first, then chunks, each
 * checked against the 1 MiB chunk limit, the size `info` declared and the service's limit
 * before it is written. `finish` stores the file; `discard` leaves nothing behind, whatever
 * stage the upload had reached.
 */
export class IncomingUpload {
  private info?: FileInfo;
  private opening?: Promise<PartialUpload>;
  private file?: PartialUpload;
  private committing?: Promise<StoredFile>;
  private received = 0;
  private chunks = 0;

  constructor(
    private readonly files: Pick<UploadStore, 'begin' | 'remove'>,
    private readonly maxFileBytes: number,
    /** The verified user the upload belongs to; empty for an anonymous call. */
    private readonly owner = '',
  ) {}

  async accept({ payload }: UploadRequest): Promise<void> {
    if (!payload) throw invalid('each message must carry info or chunk');
    if (payload.$case === 'info') return this.begin(payload.value);
    if (!this.file) throw invalid('the first message must be info, describing the file');
    const chunk = payload.value;
    if (chunk.length > UPLOAD_MAX_CHUNK_BYTES) {
      throw rpcError(
        status.RESOURCE_EXHAUSTED,
        `a chunk of ${chunk.length} bytes is over the limit of ${UPLOAD_MAX_CHUNK_BYTES}`,
      );
    }
    const total = this.received + chunk.length;
    if (total > this.maxFileBytes) {
      throw rpcError(status.RESOURCE_EXHAUSTED, `the file is over the limit of ${this.maxFileBytes} bytes`);
    }
    if (this.info?.size !== undefined && BigInt(total) > this.info.size) {
      throw invalid(`received more than the ${this.info.size} bytes that info declared`);
    }
    this.received = total;
    this.chunks += 1;
    await this.file.write(chunk);
  }

  async finish(): Promise<UploadResponse> {
    if (!this.file || !this.info) throw invalid('the stream ended before info was sent');
    if (this.info.size !== undefined && BigInt(this.received) !== this.info.size) {
      throw invalid(`received ${this.received} bytes but info declared ${this.info.size}`);
    }
    this.committing = this.file.commit();
    const stored = await this.committing;
    return {
      id: stored.id,
      name: this.info.name,
      size: BigInt(stored.size),
      chunks: this.chunks,
      sha256: stored.sha256,
      owner: this.owner,
    };
  }

  /**
   * Leaves nothing of the upload behind: removes the partial upload (waiting for it if it is
   * still being created), or the stored file if a commit had begun. A client that cancels
   * can reach the server as a half-close and then a reset, so a commit may be under way.
   */
  async discard(): Promise<void> {
    if (this.committing) {
      const stored = await this.committing.catch(() => undefined);
      if (stored) await this.files.remove(stored);
      return;
    }
    const file = this.file ?? (await this.opening?.catch(() => undefined));
    await file?.abort();
  }

  private async begin(info: FileInfo): Promise<void> {
    if (this.info) throw invalid('info must be sent once, as the first message');
    const problem = fileNameProblem(info.name);
    if (problem) throw invalid(problem);
    if (info.size !== undefined && info.size > BigInt(this.maxFileBytes)) {
      throw rpcError(
        status.RESOURCE_EXHAUSTED,
        `info declares ${info.size} bytes, over the limit of ${this.maxFileBytes}`,
      );
    }
    this.info = info;
    // A call can be torn down while the file is being created; abort() waits for this.
    this.opening = this.files.begin(info.name, info.size === undefined ? 0 : Number(info.size));
    this.file = await this.opening;
  }
}

function invalid(message: string) {
  return rpcError(status.INVALID_ARGUMENT, message);
}
