import { eventually } from '@quartet/grpc-testing';
import { type GatewayStack, sample, startGatewayStack, type TestGateway } from './fixture';

describe('gateway over the real services', () => {
  let stack: GatewayStack;
  let gateway: TestGateway;

  beforeAll(async () => {
    stack = await startGatewayStack();
    gateway = stack.gateway;
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const get = (path: string) => gateway.fetch(path);

  it('GET /api/hello greets through the greeter, naming the replica that answered', async () => {
    const response = await get('/api/hello?name=you');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: 'Hello you' });
    expect(response.headers.get('x-served-by')).toBe('greeter-1');
  });

  it('maps INVALID_ARGUMENT to 400 with the backend message as JSON', async () => {
    const response = await get('/api/hello?name=');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: { code: 'INVALID_ARGUMENT', message: 'name must not be empty' },
    });
    expect(response.headers.get('x-served-by')).toBe('greeter-1');
  });

  it('answers a request without name, or with it twice, with 400 JSON', async () => {
    for (const path of ['/api/hello', '/api/hello?name=a&name=b']) {
      const response = await get(path);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: { code: 'BAD_REQUEST', message: 'query parameter "name" is required, once' },
      });
    }
  });

  it('answers an unknown route with 404 JSON', async () => {
    const response = await get('/api/nothing');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('GET / serves the built page with a strict content security policy, and its files by exact name', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const script = /<script src="(main\.[0-9a-f]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();

    const bundle = await get(`/${script}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const again = await fetch(`${gateway.url}/${script}`, {
      headers: { 'if-none-match': bundle.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);

    for (const path of ['/nothing.js', '/..%2Fgateway%2Fmain.js']) {
      const missing = await get(path);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
  });

  it('GET /metrics, on its own listener, counts requests by route pattern and status, and calls by gRPC method and code', async () => {
    await get('/api/hello?name=metrics');
    await get('/api/hello?name=');
    const response = await fetch(gateway.metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(sample(text, 'http_requests_total{method="GET",route="/api/hello",status="200"}')).toBeGreaterThan(
      0,
    );
    expect(sample(text, 'http_requests_total{method="GET",route="/api/hello",status="400"}')).toBeGreaterThan(
      0,
    );
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/hello"');
    const sayHello = 'grpc_type="unary",grpc_service="helloworld.Greeter",grpc_method="SayHello"';
    expect(sample(text, `grpc_client_handled_total{${sayHello},grpc_code="OK"}`)).toBeGreaterThan(0);
    expect(
      sample(text, `grpc_client_handled_total{${sayHello},grpc_code="InvalidArgument"}`),
    ).toBeGreaterThan(0);
    expect(text).toContain(`grpc_client_handling_seconds_count{${sayHello}}`);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('does not serve /metrics on the public port', async () => {
    const response = await get('/metrics');
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('process_resident_memory_bytes');
  });

  it('watches the health of each replica it balances over (see libs/grpc-client, sick-replicas.spec)', async () => {
    await get('/api/hello?name=watched');
    await eventually(
      () =>
        gateway.process.logs.some((entry) => {
          const message = entry['message'] as Record<string, unknown> | undefined;
          return (
            message?.['event'] === 'replica-health' &&
            message['backend'] === 'greeter' &&
            message['address'] === stack.services.greeter.address &&
            message['health'] === 'SERVING'
          );
        }),
      { what: 'the greeter replica to be watched and SERVING' },
    );
  });

  it('GET /healthz is 200 while the process runs', async () => {
    const response = await get('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 while every backend is SERVING, and 503 naming the one that stopped', async () => {
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ready: true,
      backends: { greeter: 'SERVING', ticker: 'SERVING', upload: 'SERVING', chat: 'SERVING' },
    });

    expect(await stack.services.ticker.stop()).toBe(0);
    const unready = await get('/readyz');
    expect(unready.status).toBe(503);
    const body = (await unready.json()) as { ready: boolean; backends: Record<string, string> };
    expect(body.ready).toBe(false);
    // In words of ours: grpc-js's text would name the replica's address.
    expect(body.backends['ticker']).toBe('unreachable: no replica accepted a connection');
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    expect(body.backends['greeter']).toBe('SERVING');
  });

  it('maps UNAVAILABLE to 503 once the greeter is gone', async () => {
    expect(await stack.services.greeter.stop()).toBe(0);
    const response = await get('/api/hello?name=you');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  });
});
