import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { eventually } from '@quartet/grpc-testing';
import type { WatchRequest, WatchResponse } from '@quartet/proto';
import { Writable } from 'node:stream';
import { lastValueFrom, take, toArray } from 'rxjs';
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

  it('resumes at from_seq with the very ticks a stream from the start had there, up to count', async () => {
    const { call } = fakeCall(1_000);
    const whole = await lastValueFrom(sut.watch(request({ count: 10 }), call).pipe(toArray()));
    const resumed = await lastValueFrom(sut.watch(request({ count: 10, fromSeq: 7n }), call).pipe(toArray()));
    expect(resumed).toEqual(whole.slice(6));
    expect(resumed.map((tick) => tick.seq)).toEqual([7n, 8n, 9n, 10n]);
    const past = await lastValueFrom(sut.watch(request({ count: 10, fromSeq: 11n }), call).pipe(toArray()));
    expect(past).toEqual([]);
    const endless = sut.watch(request({ count: 0, fromSeq: 1_000n }), call).pipe(take(1));
    expect((await lastValueFrom(endless)).seq).toBe(1_000n);
  });

  it('refuses to resume past a million ticks, whose walk would cost too much to replay', async () => {
    const { call } = fakeCall();
    const error = await lastValueFrom(sut.watch(request({ fromSeq: 1_000_001n }), call)).catch(
      (e: unknown) => e,
    );
    expect((error as RpcException).getError()).toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: 'from_seq 1000001 is over the limit of 1000000',
    });
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
