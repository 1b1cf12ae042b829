import { type GatewayStack, startGatewayStack, type TestGateway } from './fixture';
import { readEvents } from './sse-client';

const NDJSON = { accept: 'application/x-ndjson' };

/** What the transcoder adds to the routes the contracts declare, beyond what the page uses. */
describe('routes from the contracts (google.api.http), transcoded', () => {
  let stack: GatewayStack;
  let gateway: TestGateway;

  beforeAll(async () => {
    stack = await startGatewayStack({ greeter: {}, ticker: {}, chat: {} });
    gateway = stack.gateway;
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("lists a chat room's members by page over HTTP (ListMembers), and refuses a bad page", async () => {
    const empty = await gateway.fetch('/api/chat/rooms/nobody-here/members?pageSize=10');
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ members: [], nextPageToken: '', totalSize: 0 });
    const negative = await gateway.fetch('/api/chat/rooms/lobby/members?pageSize=-1');
    expect(negative.status).toBe(400);
    expect(await negative.json()).toEqual({
      error: { code: 'INVALID_ARGUMENT', message: 'page_size is -1; give 0 to 1000' },
    });
  });

  it('streams newline-delimited JSON, one {"result"} a line, for Accept: application/x-ndjson', async () => {
    const response = await gateway.fetch('/api/ticker/LINES?count=2&intervalMs=0', { headers: NDJSON });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(response.headers.get('x-served-by')).toBe('ticker-1');
    const lines = (await response.text()).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line))).toEqual(
      [1, 2].map((seq) => ({
        result: { symbol: 'LINES', seq, price: expect.any(Number), time: expect.any(String) },
      })),
    );
  });

  it('ends a newline-delimited stream that fails after its first message with an {"error"} line', async () => {
    const short = await stack.anotherGateway({ STREAM_DEADLINE_MS: '300' });
    try {
      const response = await short.fetch('/api/ticker/LATE?intervalMs=50', { headers: NDJSON });
      const lines = (await response.text()).trimEnd().split('\n');
      expect(lines.length).toBeGreaterThan(1);
      expect(JSON.parse(lines.at(-1) ?? '')).toEqual({
        error: { code: 'DEADLINE_EXCEEDED', message: 'the service did not answer within the deadline' },
      });
    } finally {
      await short.stop();
    }
  });

  it('resumes after Last-Event-ID even when the query names a start, as an EventSource reconnecting does', async () => {
    const events = await readEvents(
      await gateway.fetch('/api/ticker/AGAIN?count=4&intervalMs=0&fromSeq=1', {
        headers: { 'last-event-id': '2' },
      }),
    );
    expect(events.filter((e) => e.event === 'message').map((e) => e.id)).toEqual(['3', '4']);
    const tooLong = await gateway.fetch('/api/ticker/AGAIN?count=1', {
      headers: { 'last-event-id': '1'.repeat(20) },
    });
    expect(tooLong.status).toBe(400);
  });

  it('takes a field by its proto name as well as its JSON name', async () => {
    const events = await readEvents(
      await gateway.fetch('/api/ticker/SNAKE?count=6&interval_ms=0&from_seq=5'),
    );
    expect(events.filter((e) => e.event === 'message').map((e) => e.id)).toEqual(['5', '6']);
  });

  it.each([
    ['/api/ticker/ACME?nope=1', 'query parameter "nope" names no field of ticker.v1.WatchRequest'],
    ['/api/ticker/ACME?symbol=X', 'query parameter "symbol" is already bound by the path'],
    ['/api/hello?name=x&extra=1', 'query parameter "extra" names no field of helloworld.HelloRequest'],
  ])('answers %s with 400 naming the parameter', async (path, message) => {
    const response = await gateway.fetch(path);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'BAD_REQUEST', message } });
  });
});
