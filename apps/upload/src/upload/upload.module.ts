import { type DynamicModule, Module } from '@nestjs/common';
import { UPLOAD_CONFIG, type UploadConfig } from '../config';
import { UploadController } from './upload.controller';
import { UploadMetrics } from './upload.metrics';
import { UploadService } from './upload.service';
import { UploadStore } from './upload-store';

@Module({})
export class UploadModule {
  static forRoot(config: UploadConfig): DynamicModule {
    return {
      module: UploadModule,
      controllers: [UploadController],
      providers: [{ provide: UPLOAD_CONFIG, useValue: config }, UploadStore, UploadMetrics, UploadService],
    };
  }
}
