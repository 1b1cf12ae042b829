import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { UPLOAD_CONFIG, type UploadConfig } from '../../config';
import { UploadStore } from './upload-store';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often stored files are looked at for their age: retention is counted in days. */
export const RETENTION_SWEEP_MS = 60 * 60 * 1000;

/**
 * UPLOAD_RETENTION_DAYS: removes stored files once they are older, at start and every hour.
 * Every replica sweeps; a file two of them remove at once is removed once. Ages are by the
 * store's own clock (see the stores), never this node's.
 */
@Injectable()
export class UploadRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UploadRetention.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @Inject(UPLOAD_CONFIG) private readonly config: UploadConfig,
    private readonly store: UploadStore,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.retentionDays === 0) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), RETENTION_SWEEP_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One sweep; a sweep still running is not begun again. */
  sweep(): Promise<void> {
    this.sweeping ??= this.store
      .removeOlderThan(this.config.retentionDays * DAY_MS)
      .then(
        (removed) => {
          if (removed > 0)
            this.logger.log({ event: 'retention-swept', removed, days: this.config.retentionDays });
        },
        (error: Error) => this.logger.warn({ event: 'retention-sweep-failed', error: error.message }),
      )
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }
}
