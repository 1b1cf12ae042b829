import { type DynamicModule, Module } from '@nestjs/common';
import { UPLOAD_CONFIG, type UploadConfig } from '../config';
import { LocalUploadStore } from './store/local-upload-store';
import { S3UploadStore } from './store/s3-upload-store';
import { UploadRetention } from './store/upload-retention';
import { UploadStore } from './store/upload-store';
import { UploadController } from './upload.controller';
import { UploadMetrics } from './upload.metrics';
import { UploadService } from './upload.service';

/** The bucket when UPLOAD_BUCKET is set, the folder UPLOAD_DIR otherwise. */
function uploadStore(config: UploadConfig, metrics: UploadMetrics): UploadStore {
  if (config.objectStore) return new S3UploadStore(config.objectStore);
  return new LocalUploadStore({
    uploadDir: config.uploadDir,
    minFreeBytes: config.minFreeBytes,
    idleMs: config.idleMs,
    onDiskRefusal: () => (metrics.refusals.diskSpace += 1),
  });
}

@Module({})
export class UploadModule {
  static forRoot(config: UploadConfig): DynamicModule {
    return {
      module: UploadModule,
      controllers: [UploadController],
      providers: [
        { provide: UPLOAD_CONFIG, useValue: config },
        { provide: UploadStore, useFactory: uploadStore, inject: [UPLOAD_CONFIG, UploadMetrics] },
        UploadMetrics,
        UploadService,
        UploadRetention,
      ],
    };
  }
}
