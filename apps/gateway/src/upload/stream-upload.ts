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

/** How long a part of a chunk waits for the rest: a slow body still reaches the backend, which drops an idle upload. */
const PART_CHUNK_WAIT_MS = 100;

/** What may wait to make a chunk, or for the quota, before the body is paused: one chunk message's worth. */
const MAX_WAITING_BYTES = UPLOAD_MAX_CHUNK_BYTES;

/**
 * Streams an HTTP request body to upload.v1.UploadService/Upload: `info` first, then the
 * body's bytes as chunks of 1 MiB (the last one shorter). The body is never held whole: when the backend
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
      clearTimeout(partTimer);
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
    // Pieces of the body wait here until they make a whole chunk message (1 MiB), the body
    // ends, or a part has waited PART_CHUNK_WAIT_MS: the socket hands over 64 KiB at a time,
    // and a message each would cost the backend sixteen times the per-message work (flow
    // control, decoding, a write) for each MiB. Each chunk is taken from the quota (Redis may
    // take a moment), then written. The body keeps flowing meanwhile, so the body-rate guard
    // sees only the pauses of a full call.
    const waiting: Buffer[] = [];
    let waitingBytes = 0;
    let taking = false;
    let ended = false;
    let callFull = false;
    /** Set once a part of a chunk has waited PART_CHUNK_WAIT_MS: it goes as it is. */
    let partDue = false;
    let partTimer: NodeJS.Timeout | undefined;
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
      if (waitingBytes < MAX_WAITING_BYTES) {
        partTimer ??= setTimeout(() => {
          partTimer = undefined;
          partDue = true;
          void takeAndWrite();
        }, PART_CHUNK_WAIT_MS);
        return;
      }
      body.pause();
      void takeAndWrite();
    }

    /** The first `size` bytes waiting, as one buffer; a piece cut across stays waiting. */
    function nextChunk(size: number): Buffer {
      const parts: Buffer[] = [];
      let got = 0;
      while (got < size) {
        const piece = waiting[0] as Buffer;
        const need = size - got;
        if (piece.length <= need) {
          parts.push(piece);
          waiting.shift();
          got += piece.length;
        } else {
          parts.push(piece.subarray(0, need));
          waiting[0] = piece.subarray(need);
          got = size;
        }
      }
      waitingBytes -= size;
      return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
    }

    async function takeAndWrite(): Promise<void> {
      if (taking) return;
      taking = true;
      while (
        !settled &&
        !refusal &&
        (waitingBytes >= MAX_WAITING_BYTES || ((ended || partDue) && waitingBytes > 0))
      ) {
        partDue = false;
        clearTimeout(partTimer);
        partTimer = undefined;
        const chunk = nextChunk(Math.min(waitingBytes, UPLOAD_MAX_CHUNK_BYTES));
        if (!(await options.take(chunk.length))) {
          if (!settled && !refusal) {
            refusal = await options.overQuota();
            call.cancel();
          }
          break;
        }
        if (settled || refusal) break;
        callFull = !call.write({ payload: { $case: 'chunk', value: chunk } });
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
      if (!settled) void takeAndWrite();
    });
    body.once('close', () => {
      if (!body.complete && !settled) call.cancel();
    });
  });
}
