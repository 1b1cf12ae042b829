import { Metadata, status } from '@grpc/grpc-js';
import { type RunningGrpcService, startGrpcService } from '@quartet/grpc-server';
import { connect, deadlineIn, readAll, testServerConfig } from '@quartet/grpc-testing';
import { type GrpcClient, TickerServiceDefinition } from '@quartet/proto';
import { TickerModule } from '../ticker/ticker.module';

/** The limits every service gets from @quartet/grpc-server, seen on an endless stream. */
describe('call limits on the ticker', () => {
  let sut: RunningGrpcService;
  let client: GrpcClient<typeof TickerServiceDefinition>;

  beforeAll(async () => {
    sut = await startGrpcService({
      module: TickerModule,
      services: [TickerServiceDefinition],
      config: testServerConfig({ maxCallMs: 1_000, maxMetadataBytes: 2_048 }),
    });
    client = connect(TickerServiceDefinition, sut.address);
  });

  afterAll(async () => {
    client.close();
    await sut.stop();
  });

  it('ends a stream at MAX_CALL_MS although its client asked for more, and counts it', async () => {
    const started = performance.now();
    const { status: outcome, messages } = await readAll(
      client.watch(
        { symbol: 'ACME', count: 0, intervalMs: 50, fromSeq: 0n },
        new Metadata(),
        deadlineIn(30_000),
      ),
    );
    expect(outcome).toMatchObject({
      code: status.DEADLINE_EXCEEDED,
      details: 'a call may run at most 1000 ms',
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(messages.length).toBeGreaterThan(5);
    expect(await sut.metrics.refusalsOf('max_call')).toBe(1);
  });

  it('refuses metadata over MAX_METADATA_BYTES before the handler runs, and counts it', async () => {
    const metadata = new Metadata();
    metadata.set('x-padding', 'p'.repeat(3_000));
    const { status: outcome, messages } = await readAll(
      client.watch({ symbol: 'ACME', count: 3, intervalMs: 0, fromSeq: 0n }, metadata, deadlineIn()),
    );
    expect(outcome.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(outcome.details).toMatch(/^the request metadata is \d+ bytes; the limit is 2048$/);
    expect(messages).toEqual([]);
    expect(await sut.metrics.refusalsOf('metadata_size')).toBe(1);
  });
});
