import { status } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, rpcError, whenWritable } from '@quartet/grpc-server';
import type { WatchRequest, WatchResponse } from '@quartet/proto';
import type { Writable } from 'node:stream';
import {
  concatMap,
  defer,
  EMPTY,
  expand,
  finalize,
  map,
  Observable,
  of,
  take,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { MAX_FROM_SEQ, MAX_INTERVAL_MS, PriceWalk, symbolProblem } from './price-walk';
import { TickerMetrics } from './ticker.metrics';

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

  private ticks(
    { symbol, count, intervalMs, fromSeq }: WatchRequest,
    call: Writable,
  ): Observable<WatchResponse> {
    const first = Math.max(1, Number(fromSeq));
    if (count !== 0 && first > count) return EMPTY;
    const walk = new PriceWalk(symbol).skipTo(first);
    const tick = (): WatchResponse => ({ symbol, ...walk.next(), time: this.now() });
    const pause = () => (intervalMs > 0 ? timer(intervalMs) : nextTurn());
    this.metrics.activeStreams += 1;
    return defer(() => of(tick())).pipe(
      expand(() => this.clientReady(call).pipe(concatMap(pause), map(tick))),
      take(count === 0 ? Number.POSITIVE_INFINITY : count - first + 1),
      tap(() => (this.metrics.ticksProduced += 1)),
      finalize(() => (this.metrics.activeStreams -= 1)),
    );
  }

  private clientReady(call: Writable): Observable<void> {
    if (!call.writableNeedDrain) return of(undefined);
    this.metrics.streamsWaitingForClient += 1;
    return whenWritable(call).pipe(finalize(() => (this.metrics.streamsWaitingForClient -= 1)));
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

/** Emits once on the next turn of the event loop, after pending I/O. */
function nextTurn(): Observable<void> {
  return new Observable<void>((subscriber) => {
    const handle = setImmediate(() => {
      subscriber.next();
      subscriber.complete();
    });
    return () => clearImmediate(handle);
  });
}
