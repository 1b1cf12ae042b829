import './instrument';
import { runGrpcService } from '@quartet/grpc-server';
import { UploadServiceDefinition, UPLOAD_MAX_CHUNK_BYTES } from '@quartet/proto';
import { loadConfig } from './config';
import { UploadModule } from './upload/upload.module';

void runGrpcService(() => {
  const config = loadConfig(process.env);
  return {
    module: UploadModule.forRoot(config),
    services: [UploadServiceDefinition],
    config: config.server,
    // A chunk of 1 MiB and its framing; a larger message is RESOURCE_EXHAUSTED before it is read.
    maxReceiveMessageBytes: UPLOAD_MAX_CHUNK_BYTES + 1024,
  };
});
