import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { eventually } from '@quartet/grpc-testing';
import type { WatchRequest, WatchResponse } from '@quartet/proto';
import { Writable } from 'node:stream';
import { lastValueFrom, toArray } from 'rxjs';
import { priceAt } from './price-walk';
import { TickerMetrics } from './ticker.metrics';
import { TickerService } from './ticker.service';

/** A call's writable side whose client reads nothing until the test starts it reading. */
function fakeCall(highWaterMark = 4) {
  let reading = false;
  let unread: (() => void) | undefined;
  const call = new Writable({
    objectMode: true,
    highWaterMark,
    write(_message: WatchResponse, _encoding, done) {
      if (reading) done();
      else unread = done;
    },
  });
  const startReading = () => {
    reading = true;
    unread?.();
  };
  return { call, startReading };
}

const request = (overrides: Partial<WatchRequest> = {}): WatchRequest => ({
  symbol: 'ACME',
  count: 3,
  intervalMs: 0,
  fromSeq: 0n,
  ...overrides,
});

describe(TickerService.name, () => {
  const time = new Date('2026-01-02T03:04:05Z');
  let metrics: TickerMetrics;
  let sut: TickerService;

  beforeEach(() => {
    metrics = new TickerMetrics();
    sut = new TickerService(() => time, metrics);
  });

  it('streams `count` ticks of the walk, numbered from 1, then completes', async () => {
    const { call } = fakeCall(1_000);
    const ticks = await lastValueFrom(sut.watch(request(), call).pipe(toArray()));
    expect(ticks).toEqual(
      [1, 2, 3].map((seq) => ({ symbol: 'ACME', seq: BigInt(seq), price: priceAt('ACME', seq), time })),
    );
    expect(metrics.activeStreams).toBe(0);
  });

  it('rejects a bad symbol with INVALID_ARGUMENT before producing anything', async () => {
    const { call } = fakeCall();
    const error = await lastValueFrom(sut.watch(request({ symbol: 'acme' }), call)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).getError()).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(metrics.ticksProduced).toBe(0);
  });

  it('rejects an interval over 60 seconds with INVALID_ARGUMENT', async () => {
    const { call } = fakeCall();
    const error = await lastValueFrom(sut.watch(request({ intervalMs: 60_001 }), call)).catch(
      (e: unknown) => e,
    );
    expect((error as RpcException).getError()).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'interval_ms 60001 is over the limit of 60000',
    });
  });

  it('produces nothing more while the client has not read, and goes on when it does', async () => {
    const { call, startReading } = fakeCall(4);
    const subscription = sut.watch(request({ count: 0 }), call).subscribe((tick) => call.write(tick));

    await eventually(() => metrics.streamsWaitingForClient === 1, {
      what: 'the stream to wait for its client',
    });
    expect(metrics.ticksProduced).toBe(4);
    expect(call.writableLength).toBe(4);

    startReading();
    await eventually(() => metrics.ticksProduced >= 8, { what: 'production to resume' });
    subscription.unsubscribe();
    expect(metrics.activeStreams).toBe(0);
    expect(metrics.streamsWaitingForClient).toBe(0);
  });

  it('stops its timer at once when unsubscribed (a cancelled call)', async () => {
    const { call } = fakeCall(1_000);
    const received: WatchResponse[] = [];
    const subscription = sut
      .watch(request({ count: 0, intervalMs: 60_000 }), call)
      .subscribe((t) => received.push(t));
    expect(received).toHaveLength(1);
    subscription.unsubscribe();
    expect(metrics.activeStreams).toBe(0);
  });
});
