import { Injectable, Optional } from '@nestjs/common';
import { scrapedCounter, scrapedGauge, ServerMetrics } from '@quartet/grpc-server';
import { Registry } from 'prom-client';

/** What the upload service holds and has taken, served as `upload_*` metrics on its /metrics. */
@Injectable()
export class UploadMetrics {
  activeUploads = 0;
  /** Bytes of file content received, over every upload (stored or not). */
  bytesReceived = 0;
  /** Uploads stored whole. */
  stored = 0;
  /** The most chunks that one upload ever held in memory, waiting for the disk. */
  chunksHeldHighWater = 0;
  /** Uploads whose stream is paused now because the disk is behind. */
  pausedUploads = 0;
  /** Uploads refused or dropped by a limit: uploads at once, UPLOAD_IDLE_MS, and the disk's reserve. */
  readonly refusals = { maxActive: 0, idle: 0, diskSpace: 0 };

  /** Without the service's ServerMetrics (a unit test), into a registry nobody scrapes. */
  constructor(@Optional() server?: ServerMetrics) {
    const registry = server?.registry ?? new Registry();
    scrapedGauge(registry, {
      name: 'upload_active_uploads',
      help: 'Uploads in progress now.',
      read: () => this.activeUploads,
    });
    scrapedGauge(registry, {
      name: 'upload_paused_uploads',
      help: 'Uploads paused now because the disk is behind.',
      read: () => this.pausedUploads,
    });
    scrapedCounter(registry, {
      name: 'upload_received_bytes_total',
      help: 'Bytes of file content received, over every upload.',
      read: () => this.bytesReceived,
    });
    scrapedCounter(registry, {
      name: 'upload_stored_total',
      help: 'Uploads stored whole.',
      read: () => this.stored,
    });
    scrapedCounter(registry, {
      name: 'upload_refusals_total',
      help: 'Uploads refused or ended by a limit, by limit.',
      label: 'limit',
      read: () => ({
        max_active: this.refusals.maxActive,
        idle: this.refusals.idle,
        disk_space: this.refusals.diskSpace,
      }),
    });
  }
}
