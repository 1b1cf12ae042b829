import { Metadata, status } from '@grpc/grpc-js';
import { Module } from '@nestjs/common';
import { CLOCK, type RunningGrpcService, startGrpcService } from '@quartet/grpc-server';
import {
  connect,
  deadlineIn,
  eventually,
  listServicesByReflection,
  nextMessage,
  readAll,
  stalledCall,
  statusOf,
  testServerConfig,
} from '@quartet/grpc-testing';
import { type GrpcClient, SERVED_BY_HEADER, TickerServiceDefinition, WatchRequest } from '@quartet/proto';
import { priceAt } from '../ticker/price-walk';
import { TickerController } from '../ticker/ticker.controller';
import { TickerMetrics } from '../ticker/ticker.metrics';
import { TickerModule } from '../ticker/ticker.module';
import { TickerService } from '../ticker/ticker.service';

type TickerClient = GrpcClient<typeof TickerServiceDefinition>;

const watchRequest = (overrides: Partial<WatchRequest> = {}): WatchRequest => ({
  symbol: 'ACME',
  count: 5,
  intervalMs: 0,
  fromSeq: 0n,
  ...overrides,
});

describe('ticker over gRPC', () => {
  const config = testServerConfig();
  let sut: RunningGrpcService;
  let client: TickerClient;
  let metrics: TickerMetrics;

  beforeAll(async () => {
    sut = await startGrpcService({ module: TickerModule, services: [TickerServiceDefinition], config });
    client = connect(TickerServiceDefinition, sut.address);
    metrics = sut.app.get(TickerMetrics);
  });

  afterAll(async () => {
    client.close();
    await sut.stop();
  });

  it('streams `count` ticks of the walk in seq order, then ends OK, naming the instance', async () => {
    const outcome = await readAll(
      client.watch(watchRequest({ count: 5, intervalMs: 5 }), new Metadata(), deadlineIn()),
    );
    expect(outcome.status.code).toBe(status.OK);
    expect(outcome.headers.get(SERVED_BY_HEADER)).toEqual([config.instanceId]);
    expect(outcome.messages.map(({ symbol, seq, price }) => ({ symbol, seq, price }))).toEqual(
      [1, 2, 3, 4, 5].map((seq) => ({ symbol: 'ACME', seq: BigInt(seq), price: priceAt('ACME', seq) })),
    );
    for (const tick of outcome.messages) expect(tick.time).toBeInstanceOf(Date);
  });

  it('gives the same prices to every stream of a symbol', async () => {
    const prices = async () =>
      (await readAll(client.watch(watchRequest({ count: 50 }), new Metadata(), deadlineIn()))).messages.map(
        (tick) => tick.price,
      );
    const [first, second] = await Promise.all([prices(), prices()]);
    expect(first).toEqual(second);
  });

  it('rejects a bad symbol with INVALID_ARGUMENT', async () => {
    const outcome = await readAll(
      client.watch(watchRequest({ symbol: 'no good' }), new Metadata(), deadlineIn()),
    );
    expect(outcome.status.code).toBe(status.INVALID_ARGUMENT);
    expect(outcome.status.details).toBe('symbol "no good" is not 1 to 12 characters of A-Z, 0-9 and "."');
    expect(outcome.messages).toEqual([]);
  });

  it('rejects an interval over 60 s with INVALID_ARGUMENT', async () => {
    const outcome = await readAll(
      client.watch(watchRequest({ intervalMs: 120_000 }), new Metadata(), deadlineIn()),
    );
    expect(outcome.status.code).toBe(status.INVALID_ARGUMENT);
  });

  it('stops the work at once when the client cancels', async () => {
    const stream = client.watch(
      watchRequest({ count: 0, intervalMs: 10 }),
      new Metadata(),
      deadlineIn(30_000),
    );
    await nextMessage(stream);
    expect(metrics.activeStreams).toBe(1);
    stream.cancel();
    expect((await statusOf(stream)).code).toBe(status.CANCELLED);
    await eventually(() => metrics.activeStreams === 0, { what: 'the server to stop the cancelled stream' });
  });

  it('stops the work when the deadline passes, and the client sees DEADLINE_EXCEEDED', async () => {
    const stream = client.watch(watchRequest({ count: 0, intervalMs: 10 }), new Metadata(), deadlineIn(300));
    const outcome = await readAll(stream);
    expect(outcome.status.code).toBe(status.DEADLINE_EXCEEDED);
    expect(outcome.messages.length).toBeGreaterThan(0);
    await eventually(() => metrics.activeStreams === 0, { what: 'the server to stop the expired stream' });
  });

  it('keeps its memory bounded when the client stops reading: production stops, and resumes on reading', async () => {
    const producedBefore = metrics.ticksProduced;
    const request = WatchRequest.encode(watchRequest({ count: 0, intervalMs: 0 })).finish();
    const call = stalledCall(sut.address, '/ticker.v1.TickerService/Watch', request);
    let held = -1;
    await eventually(
      () => {
        const produced = metrics.ticksProduced - producedBefore;
        const settled = metrics.streamsWaitingForClient === 1 && produced === held;
        held = produced;
        return settled;
      },
      { everyMs: 250, timeoutMs: 20_000, what: 'production to stop for the client that does not read' },
    );
    // The 64 KiB HTTP/2 stream window and two 16-message buffers hold about 1,500 ticks of ~45 bytes.
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(5_000);
    console.info(`ticker: a client that reads nothing holds its stream at ${held} ticks produced`);

    call.startReading();
    await eventually(() => metrics.ticksProduced - producedBefore > held + 5_000, {
      what: 'production to resume once the client reads',
    });
    call.close();
    await eventually(() => metrics.activeStreams === 0, { what: 'the stream to stop' });
  }, 60_000);

  it('lists TickerService through reflection', async () => {
    expect(await listServicesByReflection(sut.address)).toEqual([
      'grpc.health.v1.Health',
      'ticker.v1.TickerService',
    ]);
  });
});

describe('ticker when producing a tick fails unexpectedly', () => {
  let calls = 0;
  // The clock breaks on its third reading: the third tick cannot be made.
  const brokenClock = () => {
    calls += 1;
    if (calls === 3) throw new Error('clock exploded: secret detail');
    return new Date();
  };

  @Module({
    controllers: [TickerController],
    providers: [TickerService, TickerMetrics, { provide: CLOCK, useValue: brokenClock }],
  })
  class BrokenClockTickerModule {}

  let sut: RunningGrpcService;
  let client: TickerClient;

  beforeAll(async () => {
    sut = await startGrpcService({
      module: BrokenClockTickerModule,
      services: [TickerServiceDefinition],
      config: testServerConfig({ logLevel: 'fatal' }),
    });
    client = connect(TickerServiceDefinition, sut.address);
  });

  afterAll(async () => {
    client.close();
    await sut.stop();
  });

  it('ends the stream with INTERNAL after the ticks it made, without leaking the error text, and keeps serving', async () => {
    const outcome = await readAll(client.watch(watchRequest({ count: 5 }), new Metadata(), deadlineIn()));
    expect(outcome.messages.map((t) => t.seq)).toEqual([1n, 2n]);
    expect(outcome.status.code).toBe(status.INTERNAL);
    expect(outcome.status.details).toBe('internal error');

    const next = await readAll(client.watch(watchRequest({ count: 2 }), new Metadata(), deadlineIn()));
    expect(next.status.code).toBe(status.OK);
  });
});
