import { type ServiceProcess, spawnService } from '@quartet/grpc-testing';
import { ConsoleLogger } from '@nestjs/common';
import type { Backend, GatewayConfig } from '../config';
import { type RunningGateway, startGateway } from '../gateway';

describe('gateway over the real services', () => {
  const services = {} as Record<Backend, ServiceProcess>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    for (const backend of ['greeter', 'ticker', 'upload', 'chat'] as Backend[]) {
      services[backend] = await spawnService(backend, { env: { INSTANCE_ID: `${backend}-1` } });
    }
    const config: GatewayConfig = {
      host: '127.0.0.1',
      port: 0,
      targets: {
        greeter: services.greeter.address,
        ticker: services.ticker.address,
        upload: services.upload.address,
        chat: services.chat.address,
      },
      deadlineMs: 2_000,
      logFormat: 'json',
    };
    gateway = await startGateway(config, new ConsoleLogger({ logLevels: ['fatal'] }));
  }, 60_000);

  afterAll(async () => {
    await gateway?.app.close();
    await Promise.all(Object.values(services).map((service) => service.stop()));
  });

  const get = (path: string) => fetch(`${gateway.url}${path}`);

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

    expect(await services.ticker.stop()).toBe(0);
    const unready = await get('/readyz');
    expect(unready.status).toBe(503);
    const body = (await unready.json()) as { ready: boolean; backends: Record<string, string> };
    expect(body.ready).toBe(false);
    expect(body.backends['ticker']).toMatch(/^unreachable: /);
    expect(body.backends['greeter']).toBe('SERVING');
  });

  it('maps UNAVAILABLE to 503 once the greeter is gone', async () => {
    expect(await services.greeter.stop()).toBe(0);
    const response = await get('/api/hello?name=you');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  });
});
