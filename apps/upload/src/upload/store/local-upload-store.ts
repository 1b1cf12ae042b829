import { Logger, type OnModuleInit } from '@nestjs/common';
import { UPLOAD_MAX_CHUNK_BYTES } from '@quartet/proto';
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DiskSpace } from './disk-space';
import { PartialFile } from './partial-file';
import type { PartialUpload, StoredFile } from './upload-store';
import { UploadStore } from './upload-store';

/** A stored file's folder: the id a commit gave it. */
const STORED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface LocalStoreSettings {
  /** UPLOAD_DIR */
  readonly uploadDir: string;
  /** UPLOAD_MIN_FREE_BYTES */
  readonly minFreeBytes: number;
  /** UPLOAD_IDLE_MS: a partial file untouched for twice this long belongs to no live upload. */
  readonly idleMs: number;
  /** Counts a write refused for the disk's reserve. */
  readonly onDiskRefusal?: () => void;
}

/**
 * Uploads in a local folder, UPLOAD_DIR: each as <id>/<name>, written first to .incoming.
 * Ages are measured by the folder's own clock (the time its file system stamps on a file
 * written now), never this node's: on a volume that other nodes write to as well, a node
 * whose clock is ahead would otherwise take another replica's fresh files for old ones.
 */
export class LocalUploadStore extends UploadStore implements OnModuleInit {
  private readonly incoming: string;
  private readonly space: DiskSpace;
  private readonly logger = new Logger(LocalUploadStore.name);

  constructor(private readonly settings: LocalStoreSettings) {
    super();
    this.incoming = join(settings.uploadDir, '.incoming');
    this.space = new DiskSpace(settings.uploadDir, settings.minFreeBytes, settings.onDiskRefusal);
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
    const staleBefore = (await this.now()) - 2 * this.settings.idleMs;
    let swept = 0;
    for (const entry of await readdir(this.incoming)) {
      if (!entry.endsWith('.part')) continue;
      if (await this.removeIfBefore(join(this.incoming, entry), join(this.incoming, entry), staleBefore)) {
        swept += 1;
      }
    }
    return swept;
  }

  async removeOlderThan(ageMs: number): Promise<number> {
    const before = (await this.now()) - ageMs;
    let removed = 0;
    for (const id of await readdir(this.settings.uploadDir)) {
      if (!STORED_ID.test(id)) continue;
      const folder = join(this.settings.uploadDir, id);
      const [name] = await readdir(folder).catch(() => []);
      if (name === undefined) continue;
      if (await this.removeIfBefore(join(folder, name), folder, before)) removed += 1;
    }
    return removed;
  }

  async remove(file: StoredFile): Promise<void> {
    await rm(join(this.settings.uploadDir, file.id), { recursive: true, force: true });
  }

  async begin(name: string, expectedBytes = 0): Promise<PartialUpload> {
    // Room for the declared size, or at least for a first chunk.
    await this.space.ensureRoomFor(Math.max(expectedBytes, UPLOAD_MAX_CHUNK_BYTES));
    const tempPath = join(this.incoming, `${randomUUID()}.part`);
    const handle = await open(tempPath, 'wx', 0o600);
    return new PartialFile(handle, tempPath, this.settings.uploadDir, name, this.space);
  }

  /** The folder's clock: the modification time its file system gives a file written now. */
  private async now(): Promise<number> {
    const clock = join(this.incoming, `${randomUUID()}.clock`);
    await writeFile(clock, '');
    try {
      return (await stat(clock)).mtimeMs;
    } finally {
      await rm(clock, { force: true });
    }
  }

  /** Removes `target` when `file` was last written before `before`; whether it did. */
  private async removeIfBefore(file: string, target: string, before: number): Promise<boolean> {
    const { mtimeMs } = await stat(file).catch(() => ({ mtimeMs: Number.POSITIVE_INFINITY }));
    if (mtimeMs >= before) return false;
    await rm(target, { recursive: true, force: true });
    return true;
  }
}
