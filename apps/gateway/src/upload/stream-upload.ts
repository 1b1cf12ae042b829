import type { IncomingMessage } from 'node:http';
import { Metadata, status } from '@grpc/grpc-js';
import type { FileInfo, GrpcClient, UploadResponse, UploadServiceDefinition } from '@quartet/proto';
import { GrpcCallError, servedByOf } from '../http/grpc-call';

/** The contract's largest chunk message. */
const MAX_CHUNK_BYTES = 1024 * 1024;

/**
 * Streams an HTTP request body to upload.v1.UploadService/Upload: `info` first, then the
 * body's bytes as chunks as they arrive. The body is never held whole: when the backend
 * falls behind, the call's write buffer fills, the body is paused, and TCP flow control
 * slows the sender. A client that goes away before the end cancels the call, and the
 * backend then keeps nothing. A too-large upload is 413 (the backend's RESOURCE_EXHAUSTED).
 */
export function streamUpload(
  client: GrpcClient<typeof UploadServiceDefinition>,
  body: IncomingMessage,
  info: FileInfo,
  deadlineMs: number,
): Promise<{ response: UploadResponse; servedBy: string | undefined }> {
  return new Promise((resolve, reject) => {
    let servedBy: string | undefined;
    let settled = false;
    const call = client.upload(new Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) => {
      settled = true;
      body.off('data', forward);
      if (error) reject(GrpcCallError.from(error, servedBy, { [status.RESOURCE_EXHAUSTED]: 413 }));
      else resolve({ response: response as UploadResponse, servedBy });
    });
    call.on('metadata', (headers: Metadata) => (servedBy = servedByOf(headers)));
    call.on('drain', () => body.resume());

    function forward(data: Buffer): void {
      if (settled) return;
      let writable = true;
      for (let offset = 0; offset < data.length; offset += MAX_CHUNK_BYTES) {
        const chunk = data.subarray(offset, offset + MAX_CHUNK_BYTES);
        writable = call.write({ payload: { $case: 'chunk', value: chunk } });
      }
      if (!writable) body.pause();
    }

    call.write({ payload: { $case: 'info', value: info } });
    body.on('data', forward);
    body.once('end', () => settled || call.end());
    body.once('close', () => {
      if (!body.complete && !settled) call.cancel();
    });
  });
}
