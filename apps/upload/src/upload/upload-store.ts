import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { createHash, type Hash, randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UPLOAD_CONFIG, type UploadConfig } from '../config';
import { DISK_CHECK_EVERY_BYTES, DiskSpace } from './disk-space';
import { UploadMetrics } from './upload.metrics';

export interface StoredFile {
  readonly id: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * A file being written: bytes go to a temporary file in UPLOAD_DIR/.incoming, and only a
 * commit (fsync, rename, fsync of the folders) makes it appear, whole, as UPLOAD_DIR/<id>/<name>.
 */
export class PartialFile {
  private readonly hash: Hash = createHash('sha256');
  private written = 0;
  private checkedAt = 0;
  private state: 'open' | 'committing' | 'done' = 'open';

  constructor(
    private readonly handle: FileHandle,
    private readonly tempPath: string,
    private readonly uploadDir: string,
    private readonly space: DiskSpace,
  ) {}

  get size(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.written + chunk.length - this.checkedAt >= DISK_CHECK_EVERY_BYTES) {
      await this.space.ensureRoomFor(DISK_CHECK_EVERY_BYTES);
      this.checkedAt = this.written;
    }
    // The disk writes on libuv's threads while this thread hashes: the two overlap.
    const writing = this.writeAll(chunk);
    this.hash.update(chunk);
    await writing;
    this.written += chunk.length;
  }

  private async writeAll(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  }

  /** Makes the file appear, whole, as <id>/<name>; on failure nothing of it is left. */
  async commit(name: string): Promise<StoredFile> {
    if (this.state !== 'open') throw new Error(`cannot commit a file that is ${this.state}`);
    this.state = 'committing';
    const id = randomUUID();
    const folder = join(this.uploadDir, id);
    try {
      await this.handle.sync();
      await this.handle.close();
      await mkdir(folder);
      await rename(this.tempPath, join(folder, name));
      await Promise.all([fsyncFolder(folder), fsyncFolder(this.uploadDir)]);
    } catch (error) {
      await this.handle.close().catch(() => undefined);
      await Promise.all([rm(this.tempPath, { force: true }), rm(folder, { recursive: true, force: true })]);
      throw error;
    } finally {
      this.state = 'done';
    }
    return { id, size: this.written, sha256: this.hash.digest('hex') };
  }

  /** Removes the temporary file; does nothing once a commit has begun. */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'done';
    await this.handle.close().catch(() => undefined);
    await rm(this.tempPath, { force: true });
  }
}

@Injectable()
export class UploadStore implements OnModuleInit {
  private readonly incoming: string;
  private readonly space: DiskSpace;
  private readonly logger = new Logger(UploadStore.name);

  constructor(
    @Inject(UPLOAD_CONFIG) private readonly config: UploadConfig,
    metrics: UploadMetrics = new UploadMetrics(),
  ) {
    this.incoming = join(config.uploadDir, '.incoming');
    this.space = new DiskSpace(
      config.uploadDir,
      config.minFreeBytes,
      () => (metrics.refusals.diskSpace += 1),
    );
  }

  async onModuleInit(): Promise<void> {
    await mkdir(this.incoming, { recursive: true });
    const swept = await this.sweepStaleParts();
    if (swept > 0) this.logger.log({ event: 'swept', partialFiles: swept });
  }

  /**
   * Removes partial files a killed process left in .incoming. Replicas may share the
   * folder, so only files untouched for twice the idle limit go: a live upload writes
   * more often than that, or is dropped.
   */
  async sweepStaleParts(): Promise<number> {
    const staleBefore = Date.now() - 2 * this.config.idleMs;
    let swept = 0;
    for (const entry of await readdir(this.incoming)) {
      if (!entry.endsWith('.part')) continue;
      const path = join(this.incoming, entry);
      const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: Number.POSITIVE_INFINITY }));
      if (mtimeMs >= staleBefore) continue;
      await rm(path, { force: true });
      swept += 1;
    }
    return swept;
  }

  /** Removes a stored file, for an upload whose call was cancelled as it was committed. */
  async remove(id: string): Promise<void> {
    await rm(join(this.config.uploadDir, id), { recursive: true, force: true });
  }

  /** Opens a partial file, once `expectedBytes` fit on the disk above its reserve. */
  async begin(expectedBytes = 0): Promise<PartialFile> {
    await this.space.ensureRoomFor(Math.max(expectedBytes, DISK_CHECK_EVERY_BYTES));
    const tempPath = join(this.incoming, `${randomUUID()}.part`);
    const handle = await open(tempPath, 'wx', 0o600);
    return new PartialFile(handle, tempPath, this.config.uploadDir, this.space);
  }
}

async function fsyncFolder(path: string): Promise<void> {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
