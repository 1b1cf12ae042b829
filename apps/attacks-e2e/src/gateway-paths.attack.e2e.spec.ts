import { pathSpellingsOf } from '@quartet/grpc-testing';
import { gatewayUnderAttack } from './support/gateway-under-attack';
import { rawHttp } from './support/raw-http';

const ROUTES = [
  ['GET', '/api/hello', '?name=x'],
  ['GET', '/api/ticker/ACME', '?count=1'],
  ['POST', '/api/uploads', '?name=x.txt'],
  ['GET', '/api/session', ''],
  ['DELETE', '/api/session', ''],
] as const;

const CASES = ROUTES.flatMap(([method, path, query]) =>
  pathSpellingsOf(path).map((spelt) => [method, `${spelt}${query}`] as const),
);

const statusOf = (response: string) => Number(response.split(' ', 2)[1]);

/** Other spellings of every API route, as an attacker would try them to slip past sign-in. */
describe('spellings of the API’s paths that attack the gateway', () => {
  const sut = gatewayUnderAttack();
  const request = (method: string, target: string, headers: string[] = []) =>
    rawHttp(sut.stack.gateway.address, {
      send: [
        `${method} ${target} HTTP/1.1`,
        'host: gateway',
        'content-length: 0',
        'connection: close',
        ...headers,
        '',
        '',
      ].join('\r\n'),
    });

  it.each(CASES)('answers %s %s without a token with a 4xx', async (method, target) => {
    const status = statusOf((await request(method, target)).response);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });

  it.each(CASES)('answers %s %s with a token, never with a 5xx', async (method, target) => {
    const status = statusOf(
      (await request(method, target, [`authorization: ${sut.stack.attacker}`])).response,
    );
    expect(status).toBeLessThan(500);
  });
});
