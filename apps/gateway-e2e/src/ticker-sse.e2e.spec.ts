import { eventually, type ServiceProcess } from '@quartet/grpc-testing';
import { type GatewayStack, sample, startGatewayStack, type TestGateway } from './fixture';
import { readEvents, stalledGet } from './sse-client';

const WATCH = 'grpc_type="server_stream",grpc_service="ticker.v1.TickerService",grpc_method="Watch"';

describe('GET /api/ticker/:symbol as Server-Sent Events', () => {
  let stack: GatewayStack;
  let gateway: TestGateway;

  beforeAll(async () => {
    // Debug logs name every call the ticker ends, and how.
    stack = await startGatewayStack({ ticker: { LOG_LEVEL: 'debug' } });
    gateway = stack.gateway;
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const get = (path: string, init?: RequestInit) => gateway.fetch(path, init);
  const metrics = async () => (await fetch(gateway.metricsUrl)).text();

  it('streams `count` ticks as JSON events, then an end event, naming the replica', async () => {
    const response = await get('/api/ticker/ACME?count=3&intervalMs=0');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-served-by')).toBe('ticker-1');
    const events = await readEvents(response);
    expect(events.map((e) => e.event)).toEqual(['message', 'message', 'message', 'end']);
    const ticks = events.slice(0, 3).map((e) => JSON.parse(e.data));
    expect(ticks.map((t) => t.seq)).toEqual([1, 2, 3]);
    expect(ticks[0]).toEqual({
      symbol: 'ACME',
      seq: 1,
      price: expect.any(Number),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it('numbers each event with its seq, and resumes after Last-Event-ID with no gap and no repeat', async () => {
    const first = await readEvents(await get('/api/ticker/RESUME?count=5&intervalMs=0'));
    expect(first.filter((e) => e.event === 'message').map((e) => e.id)).toEqual(['1', '2', '3', '4', '5']);
    const resumed = await readEvents(
      await get('/api/ticker/RESUME?count=8&intervalMs=0', { headers: { 'last-event-id': '5' } }),
    );
    const ticks = resumed.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data));
    expect(ticks.map((t) => t.seq)).toEqual([6, 7, 8]);
    const whole = await readEvents(await get('/api/ticker/RESUME?count=8&intervalMs=0'));
    const prices = whole.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data).price);
    expect(ticks.map((t) => t.price)).toEqual(prices.slice(5));
    const bad = await get('/api/ticker/RESUME?count=1', { headers: { 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { code: 'BAD_REQUEST', message: 'Last-Event-ID must be the seq of the last tick received' },
    });
  });

  it('answers a symbol the ticker refuses with 400 JSON before any event', async () => {
    const response = await get('/api/ticker/not%20a%20symbol?count=1');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-served-by')).toBe('ticker-1');
    expect(await response.json()).toEqual({
      error: {
        code: 'INVALID_ARGUMENT',
        message: 'symbol "not a symbol" is not 1 to 12 characters of A-Z, 0-9 and "."',
      },
    });
  });

  it.each([
    ['count=-1', 'count'],
    ['count=many', 'count'],
    ['intervalMs=1&intervalMs=2', 'intervalMs'],
    ['count=99999999999', 'count'],
  ])('answers ?%s with 400 naming the parameter', async (query, name) => {
    const response = await get(`/api/ticker/ACME?${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'BAD_REQUEST',
        message: `query parameter "${name}" must be given once, as a whole number from 0 to 4294967295`,
      },
    });
  });

  it('cancels the ticker call when the client goes away, as the ticker sees it', async () => {
    const cancelledBefore = cancelledWatches(stack.services.ticker);
    const client = new AbortController();
    const response = await get('/api/ticker/GONE?intervalMs=20', { signal: client.signal });
    const events = await readEvents(response, (seen) => seen.length >= 2);
    expect(events).toHaveLength(2);
    client.abort();
    await eventually(() => cancelledWatches(stack.services.ticker) === cancelledBefore + 1, {
      what: 'the ticker to log its Watch call as CANCELLED',
    });
  });

  it('pauses the ticker while a client reads nothing, so nothing piles up in the gateway', async () => {
    const before = await metrics();
    const socket = await stalledGet(`${gateway.url}/api/ticker/SLOW?intervalMs=0`, await gateway.signedIn());
    try {
      let held = -1;
      await eventually(
        async () => {
          const now = await metrics();
          const received = sample(now, `grpc_client_msg_received_total{${WATCH}}`);
          const settled = received === held && received > 0;
          held = received;
          return settled && sample(now, 'gateway_stream_pauses_total{route="/api/ticker/:symbol"}') > 0;
        },
        { what: 'the stalled stream to stop growing', everyMs: 500, timeoutMs: 20_000 },
      );
      const ticks = held - sample(before, `grpc_client_msg_received_total{${WATCH}}`);
      console.info(`gateway: an SSE client that reads nothing holds its ticker stream at ${ticks} ticks`);
      expect(ticks).toBeLessThan(200_000);
    } finally {
      socket.destroy();
    }
    await eventually(
      async () => sample(await metrics(), 'gateway_open_streams{route="/api/ticker/:symbol"}') === 0,
      {
        what: 'the stream to close with its client',
      },
    );
    // Longer than the 20 s the stream may take to settle on a loaded machine.
  }, 40_000);

  it('ends a stream at its deadline with an error event', async () => {
    const short = await stack.anotherGateway({ STREAM_DEADLINE_MS: '300' });
    try {
      const response = await short.fetch('/api/ticker/LATE?intervalMs=50');
      expect(response.status).toBe(200);
      const events = await readEvents(response);
      expect(events.length).toBeGreaterThan(1);
      expect(events.at(-1)).toEqual({
        event: 'error',
        data: JSON.stringify({
          error: { code: 'DEADLINE_EXCEEDED', message: 'the service did not answer within the deadline' },
        }),
      });
    } finally {
      await short.stop();
    }
  });
});

function cancelledWatches(ticker: ServiceProcess): number {
  return ticker.logs.filter((entry) => {
    const message = entry['message'] as { event?: string; method?: string; code?: string } | undefined;
    return (
      message?.event === 'call' &&
      message.method === '/ticker.v1.TickerService/Watch' &&
      message.code === 'CANCELLED'
    );
  }).length;
}
