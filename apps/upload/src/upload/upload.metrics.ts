import { Injectable } from '@nestjs/common';

/** What the upload service holds, for tests and operators. */
@Injectable()
export class UploadMetrics {
  activeUploads = 0;
  /** The most chunks that one upload ever held in memory, waiting for the disk. */
  chunksHeldHighWater = 0;
  /** Uploads whose stream is paused now because the disk is behind. */
  pausedUploads = 0;
  /** Uploads refused or dropped by a limit: uploads at once, UPLOAD_IDLE_MS, and the disk's reserve. */
  readonly refusals = { maxActive: 0, idle: 0, diskSpace: 0 };
}
