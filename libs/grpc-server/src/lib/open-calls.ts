import { status } from '@grpc/grpc-js';
import type { LoggerService } from '@nestjs/common';
import { type CallLimitSettings, limitCheckIntervalMs } from './call-limits';
import type { LimitName } from './server-metrics';

/** One call the server is running, with the times its limits run out. */
export interface OpenCall {
  readonly path: string;
  readonly started: number;
  /** When the first whole message must have arrived by; Infinity once it has. */
  firstMessageBy: number;
  readonly endBy: number;
  /** Ends the call with this status (sent through the interceptor, so it is stamped and logged). */
  end(code: status, details: string, limit?: LimitName): void;
}

/**
 * Every call the server is running: shutdown ends those still open with a status of its
 * choosing, one timer ends those past CALL_IDLE_MS (no whole first message) or MAX_CALL_MS,
 * and each call is logged as it ends (at debug level; errors at error level).
 */
export class OpenCalls {
  private readonly calls = new Set<OpenCall>();
  private readonly debugOn: boolean;
  private limitCheck: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: LoggerService,
    private readonly limits: CallLimitSettings,
    logLevel: string,
  ) {
    this.debugOn = logLevel === 'debug' || logLevel === 'verbose';
  }

  get size(): number {
    return this.calls.size;
  }

  /** Counts a call in from its start, with its limits' times. */
  add(path: string, end: OpenCall['end']): OpenCall {
    const now = performance.now();
    const call: OpenCall = {
      path,
      started: now,
      firstMessageBy: now + this.limits.callIdleMs,
      endBy: now + this.limits.maxCallMs,
      end,
    };
    this.calls.add(call);
    this.limitCheck ??= setInterval(() => this.checkLimits(), limitCheckIntervalMs(this.limits)).unref();
    return call;
  }

  /** Counts a call out and logs how it ended; a second call for the same call does nothing. */
  finish(call: OpenCall, code: status, details: string): void {
    if (!this.calls.delete(call)) return;
    if (code === status.INTERNAL || code === status.UNKNOWN || code === status.DATA_LOSS) {
      this.logger.error(this.entry(call, code, details));
    } else if (this.debugOn) {
      this.logger.debug?.(this.entry(call, code, details));
    }
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

  /** Stops the limits' timer (the server has stopped). */
  close(): void {
    clearInterval(this.limitCheck);
    this.limitCheck = undefined;
  }

  private checkLimits(): void {
    const now = performance.now();
    for (const call of [...this.calls]) {
      if (now >= call.firstMessageBy) {
        call.end(
          status.DEADLINE_EXCEEDED,
          `no whole request message arrived within ${this.limits.callIdleMs} ms`,
          'call_idle',
        );
      } else if (now >= call.endBy) {
        call.end(status.DEADLINE_EXCEEDED, `a call may run at most ${this.limits.maxCallMs} ms`, 'max_call');
      }
    }
  }

  private entry(call: OpenCall, code: status, details: string) {
    const ms = Math.round((performance.now() - call.started) * 10) / 10;
    return { event: 'call', method: call.path, code: status[code], details, ms };
  }
}
