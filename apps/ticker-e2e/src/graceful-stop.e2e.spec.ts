import { Metadata, status } from '@grpc/grpc-js';
import { healthClient } from '@quartet/grpc-client';
import {
  connect,
  deadlineIn,
  nextMessage,
  readAll,
  type ServiceProcess,
  spawnService,
} from '@quartet/grpc-testing';
import { TickerServiceDefinition, type WatchRequest } from '@quartet/proto';

const watch = (address: string, request: WatchRequest) => {
  const client = connect(TickerServiceDefinition, address);
  return { client, stream: client.watch(request, new Metadata(), deadlineIn(30_000)) };
};

describe('ticker process on SIGTERM', () => {
  let ticker: ServiceProcess | undefined;

  afterEach(async () => {
    await ticker?.stop('SIGKILL');
  });

  it('lets a running stream finish, refuses new calls, reports NOT_SERVING, and exits 0', async () => {
    ticker = await spawnService('ticker', { env: { SHUTDOWN_GRACE_MS: '10000' } });
    const health = healthClient(ticker.address);
    const healthWatch = health.watch({ service: 'ticker.v1.TickerService' });
    healthWatch.on('error', () => undefined);
    const seen: string[] = [];
    healthWatch.on('data', ({ status: serving }) => seen.push(serving));
    const running = watch(ticker.address, { symbol: 'ACME', count: 6, intervalMs: 150, fromSeq: 0n });
    await nextMessage(running.stream);
    const finished = readAll(running.stream);

    ticker.child.kill('SIGTERM');
    await new Promise((resolve) => healthWatch.once('status', resolve));
    expect(seen).toEqual(['SERVING', 'NOT_SERVING']);

    const late = watch(ticker.address, { symbol: 'ACME', count: 1, intervalMs: 0, fromSeq: 0n });
    const refused = await readAll(late.stream);
    expect(refused.status.code).toBe(status.UNAVAILABLE);

    const outcome = await finished;
    expect(outcome.status.code).toBe(status.OK);
    expect(outcome.messages.map((tick) => tick.seq)).toEqual([2n, 3n, 4n, 5n, 6n]);
    expect(await ticker.exited).toBe(0);
    for (const client of [health, running.client, late.client]) client.close();
  });

  it('ends a stream still running when the grace period is over with UNAVAILABLE, and exits 0', async () => {
    ticker = await spawnService('ticker', { env: { SHUTDOWN_GRACE_MS: '300' } });
    const endless = watch(ticker.address, { symbol: 'ACME', count: 0, intervalMs: 50, fromSeq: 0n });
    await nextMessage(endless.stream);
    const outcome = readAll(endless.stream);

    expect(await ticker.stop('SIGTERM')).toBe(0);
    const { status: ended } = await outcome;
    expect(ended.code).toBe(status.UNAVAILABLE);
    expect(ended.details).toBe('the server is shutting down; retry elsewhere');
    endless.client.close();
  });

  it('stops with a message naming each bad variable, and exit code 1, when its configuration is bad', async () => {
    await expect(
      spawnService('ticker', { env: { PORT: '70000', SHUTDOWN_GRACE_MS: 'soon' } }),
    ).rejects.toThrow(
      /exited with 1 before it was ready: invalid configuration:\n {2}PORT="70000" is not a whole number from 0 to 65535\n {2}SHUTDOWN_GRACE_MS="soon" is not a whole number from 0 to 600000/,
    );
  });
});
