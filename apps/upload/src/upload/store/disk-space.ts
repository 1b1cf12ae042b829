import { status } from '@grpc/grpc-js';
import { rpcError } from '@quartet/grpc-server';
import { statfs } from 'node:fs/promises';

/**
 * How long one statfs answer stands for the disk. Asked for every 1 MiB chunk, statfs was 5 %
 * of the upload service's CPU, and a round trip to the thread pool before every write.
 */
const STAT_EVERY_MS = 250;

/**
 * Keeps uploads from filling the disk: every chunk is checked before it is written, against
 * the free space less what this process's uploads have taken since the disk was last asked
 * (at most STAT_EVERY_MS ago), so that uploads running at once cannot each pass the reserve
 * on their own. A write that would leave less than `minFreeBytes` free is refused.
 */
export class DiskSpace {
  /** Bytes of writes under way now, which statfs does not count yet. */
  private writing = 0;
  private stat: { readonly free: number; readonly at: number } | undefined;
  /** Bytes reserved since `stat` was taken (and those under way then): not in its figure. */
  private reservedSinceStat = 0;
  private statting: Promise<void> | undefined;

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
    // Checked and taken in one step after the await: uploads asking at once see each other's.
    this.check(await this.freeBytes(), bytes);
    this.writing += bytes;
    this.reservedSinceStat += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.writing -= bytes;
    };
  }

  /** Throws RESOURCE_EXHAUSTED unless `bytes` more fit above the reserve now. */
  async ensureRoomFor(bytes: number): Promise<void> {
    this.check(await this.freeBytes(), bytes);
  }

  private check(diskFree: number, bytes: number): void {
    const free = diskFree - this.reservedSinceStat;
    if (free - bytes < this.minFreeBytes) {
      this.onRefused();
      throw rpcError(
        status.RESOURCE_EXHAUSTED,
        `the upload disk is nearly full: ${bytes} more bytes would leave less than the ${this.minFreeBytes} kept free`,
      );
    }
  }

  /** The disk's free bytes when last asked, asked again once that is STAT_EVERY_MS old. */
  private async freeBytes(): Promise<number> {
    if (!this.stat || performance.now() - this.stat.at >= STAT_EVERY_MS) {
      this.statting ??= statfs(this.folder)
        .then(({ bavail, bsize }) => {
          this.stat = { free: bavail * bsize, at: performance.now() };
          this.reservedSinceStat = this.writing;
        })
        .finally(() => (this.statting = undefined));
      await this.statting;
    }
    return (this.stat as { free: number }).free;
  }
}
