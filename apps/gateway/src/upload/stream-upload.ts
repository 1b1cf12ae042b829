import { UPLOAD_MAX_CHUNK_BYTES } from '@quartet/proto';
import type { IncomingMessage } from 'node:http';
import { Metadata, status } from '@grpc/grpc-js';
import { HttpException, HttpStatus } from '@nestjs/common';
import type { FileInfo, GrpcClient, UploadResponse, UploadServiceDefinition } from '@quartet/proto';
import { GrpcCallError, servedByOf } from '../http/grpc-call';
import { type BodyRateLimits, guardBodyRate } from '../limits/body-rate-guard';

export interface StreamUploadOptions {
  readonly deadlineMs: number;
  /** The slowest the body may arrive. */
  readonly rate: BodyRateLimits;
  /** Runs when the body is dropped for arriving too slowly. */
  onTooSlow(): void;
  /** Takes each piece of the body from the user's quota; false ends the upload with `overQuota`. */
  take(bytes: number): Promise<boolean>;
  overQuota(): Promise<HttpException>;
}

/** What may wait for the quota before the body is paused: one chunk message's worth. */
const MAX_WAITING_BYTES = UPLOAD_MAX_CHUNK_BYTES;

/**
 * Streams an HTTP request body to upload.v1.UploadService/Upload: `info` first, then the
 * body's bytes as chunks as they arrive. The body is never held whole: when the backend
 * falls behind, the call's write buffer fills, the body is paused, and TCP flow control
 * slows the sender. A client that goes away before the end cancels the call, and the
 * backend then keeps nothing. A too-large upload is 413 (the backend's RESOURCE_EXHAUSTED);
 * a body trickled slower than the minimum rate is 408, and one past the user's quota 413;
 * the backend keeps nothing of either.
 */
export function streamUpload(
  client: GrpcClient<typeof UploadServiceDefinition>,
  body: IncomingMessage,
  metadata: Metadata,
  info: FileInfo,
  options: StreamUploadOptions,
): Promise<{ response: UploadResponse; servedBy: string | undefined }> {
  return new Promise((resolve, reject) => {
    let servedBy: string | undefined;
    let settled = false;
    let refusal: HttpException | undefined;
    const call = client.upload(metadata, { deadline: Date.now() + options.deadlineMs }, (error, response) => {
      settled = true;
      stopGuard();
      body.off('data', forward);
      if (refusal) reject(refusal);
      else if (error) reject(GrpcCallError.from(error, servedBy, { [status.RESOURCE_EXHAUSTED]: 413 }));
      else resolve({ response: response as UploadResponse, servedBy });
    });
    const stopGuard = guardBodyRate(body, options.rate, (received) => {
      options.onTooSlow();
      refusal = new HttpException(
        `the body arrived at ${Math.round((received * 1000) / options.rate.windowMs)} bytes/s; ` +
          `the least accepted is ${options.rate.minBytesPerSecond}`,
        HttpStatus.REQUEST_TIMEOUT,
      );
      call.cancel();
    });
    call.on('metadata', (headers: Metadata) => (servedBy = servedByOf(headers)));
    // Pieces wait here while the quota is asked (Redis may take a moment), and are written in
    // order once taken. The body keeps flowing meanwhile, so the body-rate guard sees only the
    // pauses of a full call, up to MAX_WAITING_BYTES waiting.
    let waiting: Buffer[] = [];
    let waitingBytes = 0;
    let taking = false;
    let ended = false;
    let callFull = false;
    const resumeIfRoom = () => {
      if (!callFull && waitingBytes < MAX_WAITING_BYTES && body.isPaused()) body.resume();
    };
    call.on('drain', () => {
      callFull = false;
      resumeIfRoom();
    });

    function forward(data: Buffer): void {
      if (settled || refusal) return;
      waiting.push(data);
      waitingBytes += data.length;
      if (waitingBytes >= MAX_WAITING_BYTES) body.pause();
      void takeAndWrite();
    }

    async function takeAndWrite(): Promise<void> {
      if (taking) return;
      taking = true;
      while (waiting.length > 0 && !settled && !refusal) {
        const pieces = waiting;
        const bytes = waitingBytes;
        waiting = [];
        waitingBytes = 0;
        if (!(await options.take(bytes))) {
          if (!settled && !refusal) {
            refusal = await options.overQuota();
            call.cancel();
          }
          break;
        }
        if (settled || refusal) break;
        for (const piece of pieces) {
          for (let offset = 0; offset < piece.length; offset += UPLOAD_MAX_CHUNK_BYTES) {
            const chunk = piece.subarray(offset, offset + UPLOAD_MAX_CHUNK_BYTES);
            callFull = !call.write({ payload: { $case: 'chunk', value: chunk } });
          }
        }
        if (callFull) body.pause();
      }
      taking = false;
      if (settled || refusal) return;
      if (ended) call.end();
      else resumeIfRoom();
    }

    call.write({ payload: { $case: 'info', value: info } });
    body.on('data', forward);
    body.once('end', () => {
      ended = true;
      if (!settled && !taking && waiting.length === 0) call.end();
    });
    body.once('close', () => {
      if (!body.complete && !settled) call.cancel();
    });
  });
}
