import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '@quartet/grpc-testing';
import { gatewayUnderAttack } from './support/gateway-under-attack';
import { metric } from './support/honest-http';
import { rawHttp } from './support/raw-http';

/** Slowloris and its kin: clients that hold the gateway's connections by sending slowly. */
describe('slow clients against the gateway', () => {
  const sut = gatewayUnderAttack();
  const { attack } = sut;
  const stack = () => sut.stack;

  it('answers 408 and closes 200 connections that drip their headers, within HEADERS_TIMEOUT_MS', async () => {
    const exchanges = await attack('slowloris: 200 connections dripping headers', () =>
      Promise.all(
        Array.from({ length: 200 }, () =>
          rawHttp(stack().gateway.address, {
            send: 'GET /api/hello?name=slow HTTP/1.1\r\nHost: gateway\r\n',
            drip: 'x-slow: '.padEnd(200, 'z'),
            dripMs: 100,
          }),
        ),
      ),
    );
    for (const { response, closedBy, ms } of exchanges) {
      expect(closedBy).toBe('server');
      expect(response.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
      // 2 s of HEADERS_TIMEOUT_MS, checked every second, with room for a loaded machine;
      // the drip alone would last 20 s.
      expect(ms).toBeLessThan(8_000);
    }
  }, 20_000);

  it('answers 408 with a JSON body to an upload trickled at 1 byte/s, and keeps nothing of it', async () => {
    const exchange = await attack('upload body trickled at 1 byte/s', () =>
      rawHttp(stack().gateway.address, {
        send: `POST /api/uploads?name=slow.bin HTTP/1.1\r\nHost: gateway\r\nAuthorization: ${stack().attacker}\r\nContent-Length: 100\r\n\r\n`,
        drip: 'x'.repeat(100),
        dripMs: 1_000,
      }),
    );
    const [head, body] = exchange.response.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toEqual({
      error: {
        code: 'REQUEST_TIMEOUT',
        message: expect.stringMatching(/^the body arrived at \d+ bytes\/s; the least accepted is 1024$/),
      },
    });
    expect(await metric(stack(), 'gateway_limit_refusals_total{limit="body_rate"}')).toBe(1);
    await eventually(() => readdirSync(join(stack().uploadDir, '.incoming')).length === 0, {
      what: 'the partial file removed',
    });
    expect(readdirSync(stack().uploadDir)).toEqual(['.incoming']);
  }, 20_000);

  it('answers a body trickled behind a route that takes none, then closes the connection', async () => {
    const exchange = await attack('body trickled behind GET /api/hello', () =>
      rawHttp(stack().gateway.address, {
        send: `GET /api/hello?name=trickle HTTP/1.1\r\nHost: gateway\r\nAuthorization: ${stack().attacker}\r\nContent-Length: 100000\r\n\r\n`,
        drip: 'x'.repeat(1_000),
        dripMs: 50,
      }),
    );
    expect(exchange.response.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(exchange.response.toLowerCase()).toContain('connection: close');
    expect(exchange.closedBy).toBe('server');
    // The trickle alone would last 50 s.
    expect(exchange.ms).toBeLessThan(8_000);
  }, 20_000);
});
