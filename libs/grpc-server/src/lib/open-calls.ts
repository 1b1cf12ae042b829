import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { LoggerService } from '@nestjs/common';
import { SERVED_BY_HEADER } from '@quartet/proto';

interface OpenCall {
  readonly path: string;
  end(code: status, details: string): void;
}

/**
 * Every call the server is running, seen through a grpc-js server interceptor: it stamps
 * `x-served-by` on each response (in the headers and, for trailers-only answers, the
 * trailers), logs each call as it ends, and lets shutdown end the calls still open with
 * a status of its choosing.
 */
export class OpenCalls {
  private readonly calls = new Set<OpenCall>();

  constructor(
    private readonly instanceId: string,
    private readonly logger: LoggerService,
  ) {}

  get size(): number {
    return this.calls.size;
  }

  /** Ends every open call whose path passes `filter` with the given status. */
  endAll(code: status, details: string, filter: (path: string) => boolean = () => true): number {
    let ended = 0;
    for (const call of [...this.calls]) {
      if (filter(call.path)) {
        call.end(code, details);
        ended += 1;
      }
    }
    return ended;
  }

  readonly interceptor: ServerInterceptor = (method, next) => {
    const started = performance.now();
    let done = false;
    const finish = (code: status, details: string) => {
      if (done) return;
      done = true;
      this.calls.delete(open);
      this.logCall(method.path, code, details, performance.now() - started);
    };
    const call: ServerInterceptingCall = new ServerInterceptingCall(next, {
      start: (startNext) =>
        startNext({
          // grpc-js notifies a cancel after every status too; a call not already finished
          // was cancelled by the client, by its deadline or by a lost connection.
          onCancel: () => finish(status.CANCELLED, 'cancelled before the server answered'),
        }),
      sendMetadata: (metadata, sendNext) => {
        metadata.set(SERVED_BY_HEADER, this.instanceId);
        sendNext(metadata);
      },
      sendStatus: (outcome, sendNext) => {
        const trailers = outcome.metadata ?? new Metadata();
        trailers.set(SERVED_BY_HEADER, this.instanceId);
        finish(outcome.code, outcome.details ?? '');
        sendNext({ ...outcome, metadata: trailers });
      },
    });
    const open: OpenCall = {
      path: method.path,
      end: (code, details) => call.sendStatus({ code, details, metadata: new Metadata() }),
    };
    this.calls.add(open);
    return call;
  };

  private logCall(path: string, code: status, details: string, ms: number): void {
    const entry = { event: 'call', method: path, code: status[code], details, ms: Math.round(ms * 10) / 10 };
    if (code === status.INTERNAL || code === status.UNKNOWN || code === status.DATA_LOSS) {
      this.logger.error(entry);
    } else {
      this.logger.debug?.(entry);
    }
  }
}
