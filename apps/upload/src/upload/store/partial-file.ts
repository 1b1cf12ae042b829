import { createHash, type Hash, randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiskSpace } from './disk-space';
import { diskRefusal } from './storage-errors';
import type { PartialUpload, StoredFile } from './upload-store';

/**
 * A file being written: bytes go to a temporary file in UPLOAD_DIR/.incoming, and only a
 * commit (fsync, rename, fsync of the folders) makes it appear, whole, as UPLOAD_DIR/<id>/<name>.
 */
export class PartialFile implements PartialUpload {
  private readonly hash: Hash = createHash('sha256');
  private written = 0;
  private state: 'open' | 'committing' | 'done' = 'open';

  constructor(
    private readonly handle: FileHandle,
    private readonly tempPath: string,
    private readonly uploadDir: string,
    private readonly name: string,
    private readonly space: DiskSpace,
  ) {}

  get size(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    const release = await this.space.reserve(chunk.length);
    try {
      // The disk writes on libuv's threads while this thread hashes: the two overlap.
      const writing = this.writeAll(chunk);
      this.hash.update(chunk);
      await writing.catch((error: unknown) => {
        throw diskRefusal(error);
      });
    } finally {
      release();
    }
    this.written += chunk.length;
  }

  private async writeAll(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  }

  async commit(): Promise<StoredFile> {
    const { name } = this;
    if (this.state !== 'open') throw new Error(`cannot commit a file that is ${this.state}`);
    this.state = 'committing';
    const id = randomUUID();
    const folder = join(this.uploadDir, id);
    try {
      // A disk that is full may say so only now, when the data is flushed.
      await this.handle.sync().catch((error: unknown) => {
        throw diskRefusal(error);
      });
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
    return { id, name, size: this.written, sha256: this.hash.digest('hex') };
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'done';
    await this.handle.close().catch(() => undefined);
    await rm(this.tempPath, { force: true });
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
