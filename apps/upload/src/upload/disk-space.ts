import { status } from '@grpc/grpc-js';
import { rpcError } from '@quartet/grpc-server';
import { statfs } from 'node:fs/promises';

/** How many bytes a file may grow between two looks at the free space. */
export const DISK_CHECK_EVERY_BYTES = 8 * 1024 * 1024;

/**
 * Keeps uploads from filling the disk: an upload is refused, and a running one dropped,
 * when what it needs would leave less than `minFreeBytes` free where files are stored.
 */
export class DiskSpace {
  constructor(
    private readonly folder: string,
    private readonly minFreeBytes: number,
    private readonly onRefused: () => void = () => undefined,
  ) {}

  /** Throws RESOURCE_EXHAUSTED unless `bytes` more fit above the reserve. */
  async ensureRoomFor(bytes: number): Promise<void> {
    const { bavail, bsize } = await statfs(this.folder);
    const free = bavail * bsize;
    if (free - bytes < this.minFreeBytes) {
      this.onRefused();
      throw rpcError(
        status.RESOURCE_EXHAUSTED,
        `the upload disk is nearly full: ${bytes} more bytes would leave less than the ${this.minFreeBytes} kept free`,
      );
    }
  }
}
