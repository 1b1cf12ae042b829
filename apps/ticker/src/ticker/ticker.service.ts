import { status } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { CLOCK, type Clock, rpcError } from '@quartet/grpc-server';
import type { WatchRequest, WatchResponse } from '@quartet/proto';
import type { Writable } from 'node:stream';
import { defer, EMPTY, Observable, throwError } from 'rxjs';
import { MAX_FROM_SEQ, MAX_INTERVAL_MS, PriceWalk, symbolProblem } from './price-walk';
import { TickerMetrics } from './ticker.metrics';

/** How many ticks a stream makes in one go before it lets the event loop run. */
const BURST = 64;

@Injectable()
export class TickerService {
  constructor(
    @Inject(CLOCK) private readonly now: Clock,
    private readonly metrics: TickerMetrics,
  ) {}

  /**
   * Server-streaming: `count` ticks (0: until cancelled), one every `intervalMs`, but never
   * faster than `call` takes them: the next tick is made only once the previous ones have
   * left the server's buffers, so a client that stops reading stops the walk and costs no
   * memory. Cancellation unsubscribes, which stops the timers at once. A stream that resumes
   * (`from_seq`) gets exactly the ticks from that seq on that it would have got.
   */
  watch(request: WatchRequest, call: Writable): Observable<WatchResponse> {
    return defer(() => {
      const problem =
        symbolProblem(request.symbol) ??
        intervalProblem(request.intervalMs) ??
        fromSeqProblem(request.fromSeq);
      return problem
        ? throwError(() => rpcError(status.INVALID_ARGUMENT, problem))
        : this.ticks(request, call);
    });
  }

  /**
   * The ticks as a plain producer, not a chain of operators: a stream at full speed makes
   * hundreds of thousands of ticks a second, and operators would cost each tick several
   * subscriptions. Ticks go out back to back while the call takes them (grpc-js then flushes
   * them as one), one per `intervalMs` otherwise; a call whose buffer is full is waited for
   * ('drain') before the next tick is made. After BURST ticks in a row the producer yields
   * to the event loop, so that a call that always has room cannot starve the other calls.
   */
  private ticks(
    { symbol, count, intervalMs, fromSeq }: WatchRequest,
    call: Writable,
  ): Observable<WatchResponse> {
    const first = Math.max(1, Number(fromSeq));
    if (count !== 0 && first > count) return EMPTY;
    return new Observable<WatchResponse>((subscriber) => {
      const walk = new PriceWalk(symbol).skipTo(first);
      let remaining = count === 0 ? Number.POSITIVE_INFINITY : count - first + 1;
      let timer: NodeJS.Timeout | undefined;
      let turn: NodeJS.Immediate | undefined;
      let waiting = false;
      // The call's span, when traced: each tick is an event on it (the SDK keeps the first
      // OTEL_SPAN_EVENT_COUNT_LIMIT, 128 by default, and counts the rest as dropped).
      const span = trace.getActiveSpan();
      const traced = span?.isRecording() === true;
      this.metrics.activeStreams += 1;
      const resume = () => {
        if (traced) span?.addEvent('resumed: the client read');
        waiting = false;
        this.metrics.streamsWaitingForClient -= 1;
        produce();
      };
      const produce = () => {
        timer = undefined;
        turn = undefined;
        try {
          for (let burst = 0; !subscriber.closed && remaining > 0; burst += 1) {
            if (burst === BURST) {
              turn = setImmediate(produce);
              return;
            }
            if (call.writableNeedDrain) {
              waiting = true;
              if (traced) span?.addEvent('paused: waiting for the client to read');
              this.metrics.streamsWaitingForClient += 1;
              call.once('drain', resume);
              return;
            }
            const tick = walk.next();
            subscriber.next({ symbol, ...tick, time: this.now() });
            if (traced) span?.addEvent('tick', { 'ticker.seq': Number(tick.seq) });
            this.metrics.ticksProduced += 1;
            remaining -= 1;
            if (remaining > 0 && intervalMs > 0) {
              timer = setTimeout(produce, intervalMs);
              return;
            }
          }
          if (remaining === 0) subscriber.complete();
        } catch (error) {
          subscriber.error(error);
        }
      };
      produce();
      return () => {
        clearTimeout(timer);
        clearImmediate(turn);
        if (waiting) {
          call.off('drain', resume);
          this.metrics.streamsWaitingForClient -= 1;
        }
        this.metrics.activeStreams -= 1;
      };
    });
  }
}

function intervalProblem(intervalMs: number): string | undefined {
  return intervalMs > MAX_INTERVAL_MS
    ? `interval_ms ${intervalMs} is over the limit of ${MAX_INTERVAL_MS}`
    : undefined;
}

function fromSeqProblem(fromSeq: bigint): string | undefined {
  return fromSeq > BigInt(MAX_FROM_SEQ)
    ? `from_seq ${fromSeq} is over the limit of ${MAX_FROM_SEQ}`
    : undefined;
}
