import { Injectable } from '@nestjs/common';

/** What the upload service holds, for tests and operators. */
@Injectable()
export class UploadMetrics {
  activeUploads = 0;
  /** The most chunks that one upload ever held in memory, waiting for the disk. */
  chunksHeldHighWater = 0;
  /** Uploads whose stream is paused now because the disk is behind. */
  pausedUploads = 0;
}
