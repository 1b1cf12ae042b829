import { status } from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import { Inject, Injectable } from '@nestjs/common';
import { rpcError } from '@quartet/grpc-server';
import type { UploadRequest, UploadResponse } from '@quartet/proto';
import type { Readable } from 'node:stream';
import {
  catchError,
  concatMap,
  concatWith,
  defer,
  finalize,
  from,
  ignoreElements,
  type Observable,
  tap,
  throwError,
  timeout,
} from 'rxjs';
import { UPLOAD_CONFIG, type UploadConfig } from '../config';
import { IncomingUpload } from './incoming-upload';
import { UploadMetrics } from './upload.metrics';
import { UploadStore } from './store/upload-store';

@Injectable()
export class UploadService {
  constructor(
    @Inject(UPLOAD_CONFIG) private readonly config: UploadConfig,
    private readonly store: UploadStore,
    private readonly metrics: UploadMetrics,
  ) {}

  /**
   * Client-streaming: writes the file as its chunks arrive and answers once the client
   * half-closes and the file is stored. NestJS never pauses the incoming stream, so this
   * pauses `call` while a chunk waits for the store (disk or bucket): the client is then held back by HTTP/2
   * flow control and at most two chunks are in this service's hands. A failure removes the
   * partial file before the error leaves; a cancel removes whatever was written, even a
   * file whose commit the cancel overtook. An upload that sends nothing for UPLOAD_IDLE_MS
   * is dropped (a stalled store counts too: it is as stuck), and at most UPLOAD_MAX_ACTIVE
   * run at once. An upload counts as running from its first whole message: streams that
   * never complete one (a flood of stalled streams) take no slot, and end at CALL_IDLE_MS.
   * The answer names the `owner`: the verified user of the call, when tokens are checked.
   */
  upload(requests: Observable<UploadRequest>, call: Readable, owner?: string): Observable<UploadResponse> {
    return defer(() => {
      const { idleMs, maxActive } = this.config;
      const upload = new IncomingUpload(this.store, this.config.maxFileBytes, owner);
      const pacing = new InboundPacing(call, this.metrics);
      // The call's span, when traced: each chunk is an event on it (the SDK keeps the first 128).
      const span = trace.getActiveSpan();
      const traced = span?.isRecording() === true;
      let admitted = false;
      const admit = () => {
        if (admitted) return;
        if (this.metrics.activeUploads >= maxActive) {
          this.metrics.refusals.maxActive += 1;
          throw rpcError(
            status.RESOURCE_EXHAUSTED,
            `${maxActive} uploads are running, the most at once; try again shortly`,
          );
        }
        admitted = true;
        this.metrics.activeUploads += 1;
      };
      let answered = false;
      return requests.pipe(
        timeout({
          each: idleMs,
          with: () => {
            this.metrics.refusals.idle += 1;
            return throwError(() =>
              rpcError(status.DEADLINE_EXCEEDED, `the upload sent nothing for ${idleMs} ms (UPLOAD_IDLE_MS)`),
            );
          },
        }),
        tap((request) => {
          pacing.received();
          if (request.payload?.$case !== 'chunk') return;
          this.metrics.bytesReceived += request.payload.value.length;
          if (traced) span?.addEvent('chunk', { 'upload.bytes': request.payload.value.length });
        }),
        concatMap((request) =>
          defer(() => {
            admit();
            return upload.accept(request);
          }).pipe(finalize(() => pacing.processed())),
        ),
        ignoreElements(),
        concatWith(defer(() => upload.finish())),
        tap({
          complete: () => {
            answered = true;
            this.metrics.stored += 1;
          },
        }),
        catchError((error: unknown) => from(upload.discard()).pipe(concatMap(() => throwError(() => error)))),
        finalize(() => {
          pacing.release();
          if (!admitted) return;
          // An upload stays active until its cleanup is done, so that none is seen as over
          // while the file that a cancel overtook is still being removed.
          const ended = () => (this.metrics.activeUploads -= 1);
          if (answered) ended();
          else void upload.discard().finally(ended);
        }),
      );
    });
  }
}

/** Pauses a call's incoming messages while more than one waits to be processed. */
class InboundPacing {
  private held = 0;
  private paused = false;

  constructor(
    private readonly call: Readable,
    private readonly metrics: UploadMetrics,
  ) {}

  received(): void {
    this.held += 1;
    this.metrics.chunksHeldHighWater = Math.max(this.metrics.chunksHeldHighWater, this.held);
    if (this.held > 1 && !this.paused) {
      this.paused = true;
      this.metrics.pausedUploads += 1;
      this.call.pause();
    }
  }

  processed(): void {
    this.held -= 1;
    if (this.held === 0) this.release();
  }

  release(): void {
    if (!this.paused) return;
    this.paused = false;
    this.metrics.pausedUploads -= 1;
    this.call.resume();
  }
}
