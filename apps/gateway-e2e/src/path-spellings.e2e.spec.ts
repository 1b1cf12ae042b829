import { pathSpelling } from '@quartet/grpc-testing';
import fc from 'fast-check';
import { type GatewayStack, startGatewayStack, type TestGateway } from './fixture';
import { rawRequest } from './raw-request';

/** Every API route, as a method, its path and the query its handler would want. */
const API_ROUTES = [
  ['GET', '/api/hello', 'name=x'],
  ['GET', '/api/ticker/ACME', 'count=1'],
  ['POST', '/api/uploads', 'name=x.txt'],
  ['GET', '/api/session', ''],
  ['DELETE', '/api/session', ''],
  ['GET', '/api/chat', 'room=lobby'],
] as const;

const withQuery = (target: string, query: string) =>
  query === '' ? target : `${target}${target.includes('?') ? '&' : '?'}${query}`;

/**
 * Policy is decided on the route the router matched, so no spelling of a route's path that the
 * router accepts may skip what the route requires.
 */
describe('every spelling of a route meets that route’s policy', () => {
  let stack: GatewayStack;
  let gateway: TestGateway;

  beforeAll(async () => {
    stack = await startGatewayStack(
      { greeter: {}, ticker: {}, upload: {}, chat: {} },
      { SESSIONS_PER_MINUTE: '5' },
    );
    gateway = stack.gateway;
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it.each(API_ROUTES)(
    'answers %s %s without a token never with a 2xx and never with a 5xx, however it is spelt',
    async (method, path, query) => {
      await fc.assert(
        fc.asyncProperty(pathSpelling(path), async (target) => {
          const { status, body } = await rawRequest(gateway.url, method, withQuery(target, query), {
            body: method === 'POST' ? 'data' : undefined,
          });
          if ((status >= 200 && status < 300) || status >= 500) {
            throw new Error(`${method} ${target} without a token was answered ${status} ${body}`);
          }
        }),
        { numRuns: 60 },
      );
    },
    60_000,
  );

  it('counts every spelling of POST /api/session against the one session limit of its client', async () => {
    const spellings = fc.sample(pathSpelling('/api/session'), { numRuns: 40, seed: 23 });
    const statuses: number[] = [];
    for (const target of [...spellings, ...Array<string>(6).fill('/api/session')]) {
      const { status } = await rawRequest(gateway.url, 'POST', target, {
        headers: { 'content-type': 'application/json' },
        body: '{"user":"spelt"}',
      });
      statuses.push(status);
    }
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
  }, 60_000);
});
