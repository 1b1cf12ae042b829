import type { Metadata, ServerReadableStream } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { verifiedUser } from '@quartet/grpc-server';
import {
  type UploadRequest,
  type UploadResponse,
  type UploadServiceController,
  UploadServiceControllerMethods,
} from '@quartet/proto';
import type { Observable } from 'rxjs';
import { UploadService } from './upload.service';

@Controller()
@UploadServiceControllerMethods()
export class UploadController implements UploadServiceController {
  constructor(private readonly uploads: UploadService) {}

  upload(
    requests: Observable<UploadRequest>,
    metadata: Metadata,
    call: ServerReadableStream<UploadRequest, UploadResponse>,
  ): Observable<UploadResponse> {
    return this.uploads.upload(requests, call, verifiedUser(metadata));
  }
}
