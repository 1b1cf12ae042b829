import { status } from '@grpc/grpc-js';
import { rpcError } from '@quartet/grpc-server';
import { statfs } from 'node:fs/promises';

/**
 * Keeps uploads from filling the disk: every chunk is checked before it is written, against
 * the free space less what this process's other uploads are writing at that moment, so that
 * uploads running at once cannot each pass the reserve on their own. A write that would leave
 * less than `minFreeBytes` free is refused.
 */
export class DiskSpace {
  /** Bytes of writes under way now, which statfs does not count yet. */
  private writing = 0;

  constructor(
    private readonly folder: string,
    private readonly minFreeBytes: number,
    private readonly onRefused: () => void = () => undefined,
  ) {}

  /**
   * Takes room for a write of `bytes` until the returned release is called; throws
   * RESOURCE_EXHAUSTED unless they fit above the reserve.
   */
  async reserve(bytes: number): Promise<() => void> {
    const { bavail, bsize } = await statfs(this.folder);
    const free = bavail * bsize - this.writing;
    if (free - bytes < this.minFreeBytes) {
      this.onRefused();
      throw rpcError(
        status.RESOURCE_EXHAUSTED,
        `the upload disk is nearly full: ${bytes} more bytes would leave less than the ${this.minFreeBytes} kept free`,
      );
    }
    this.writing += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.writing -= bytes;
    };
  }

  /** Throws RESOURCE_EXHAUSTED unless `bytes` more fit above the reserve now. */
  async ensureRoomFor(bytes: number): Promise<void> {
    (await this.reserve(bytes))();
  }
}
