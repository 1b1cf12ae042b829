import {
  Client,
  credentials,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { create, type DescMessage, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Backends } from '../backends/backends';
import type { GatewayConfig } from '../config';
import { GatewayDrain } from '../lifecycle/gateway-drain';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { fixtureRegistry } from './fixtures/fixture-registry';
import { httpRoutes, readServiceConfig } from './http-routes';
import { TranscodedRoutes } from './transcoded-routes';

const RULES = `type: google.api.Service
http:
  rules:
    - selector: binding.v1.BindingService.Get
      get: /v1/{name=shelves/*}
      response_body: id
      additional_bindings:
        - post: /v1/books/{name=**}
          body: '*'
        - patch: /v1/named/{name}
          body: shelf
    - selector: binding.v1.BindingService.List
      get: /v1/lists/{name}
`;

const identity = (bytes: Buffer) => bytes;

/**
 * HTTP through the transcoder to a real grpc-js backend of binding.v1: the backend answers each
 * Get with the request it decoded (as proto3 JSON, in Shelf.id), so the spec sees what each
 * HttpRule made of the request.
 */
describe(TranscodedRoutes.name, () => {
  const registry = fixtureRegistry();
  const message = (name: string): DescMessage => {
    const found = registry.getMessage(name);
    if (!found) throw new Error(`no ${name}`);
    return found;
  };
  const [request, shelf] = [message('binding.v1.BindingRequest'), message('binding.v1.Shelf')];
  const server = new Server();
  let client: Client;
  let fastify: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    const method = (name: string, responseStream: boolean) => ({
      path: `/binding.v1.BindingService/${name}`,
      requestStream: false,
      responseStream,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    });
    server.addService(
      { Get: method('Get', false), List: method('List', true) },
      {
        Get: (call: ServerUnaryCall<Buffer, Buffer>, done: sendUnaryData<Buffer>) => {
          const got = fromBinary(request, call.request);
          if ((got as { name?: string }).name === 'shelves/missing') {
            return done({ code: status.NOT_FOUND, details: 'no shelf "missing"' });
          }
          const id = JSON.stringify(toJson(request, got));
          done(null, Buffer.from(toBinary(shelf, create(shelf, { id } as never))));
        },
        List: (call: ServerWritableStream<Buffer, Buffer>) => {
          for (const id of ['a', 'b', 'c'])
            call.write(Buffer.from(toBinary(shelf, create(shelf, { id } as never))));
          call.end();
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    const config = { deadlineMs: 5_000, streamDeadlineMs: 5_000 } as GatewayConfig;
    const backends = { clientOf: () => client } as unknown as Backends;
    fastify = Fastify();
    // As the gateway does (gateway.ts): bodies reach the handler unread.
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
    // What the sign-in hook sets on a signed-in request.
    fastify.addHook('onRequest', async (incoming) => {
      incoming.caller = { user: 'spec', token: 'token', expiresAt: new Date(Date.now() + 60_000) };
    });
    new TranscodedRoutes(backends, new GatewayMetrics(), new GatewayDrain(config), config).install(
      fastify,
      httpRoutes(registry, [readServiceConfig(RULES, 'spec.yaml')]).filter(
        (route) => route.method.parent.typeName === 'binding.v1.BindingService',
      ),
    );
    url = await fastify.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await fastify?.close();
    client?.close();
    server.forceShutdown();
  });

  /**
   * The request the backend decoded, from the Shelf.id it answered with: the body itself where
   * the rule's response_body is id, in the whole Shelf where a binding declares none.
   */
  const backendGot = async (response: Response) => {
    expect(response.status).toBe(200);
    const body = (await response.json()) as string | { id: string };
    return JSON.parse(typeof body === 'string' ? body : body.id) as unknown;
  };
  const sendJson = (method: string, body: unknown) => ({
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  it('binds the path template, nested and repeated query parameters, and answers with response_body', async () => {
    const response = await fetch(
      `${url}/v1/shelves/s1?tags=a&tags=b&shelf.inner.id=deep&small=3&large=18446744073709551615`,
    );
    expect(await backendGot(response)).toEqual({
      name: 'shelves/s1',
      small: 3,
      large: '18446744073709551615',
      tags: ['a', 'b'],
      shelf: { inner: { id: 'deep' } },
    });
  });

  it('takes the whole body for body "*", the path on top, and keeps %2F of a ** variable', async () => {
    const response = await fetch(
      `${url}/v1/books/a/b%2Fc`,
      sendJson('POST', { small: 5, labels: { k: 'v' } }),
    );
    expect(await backendGot(response)).toEqual({ name: 'a/b%2Fc', small: 5, labels: { k: 'v' } });
  });

  it('takes a named body as that field', async () => {
    const response = await fetch(`${url}/v1/named/n1?flag=true`, sendJson('PATCH', { id: 's9' }));
    expect(await backendGot(response)).toEqual({ name: 'n1', flag: true, shelf: { id: 's9' } });
  });

  it.each([
    [
      '/v1/shelves/s1?small=x',
      'query parameter "small" must be given once, as a whole number from -2147483648 to 2147483647',
    ],
    ['/v1/shelves/s1?nope=1', 'query parameter "nope" names no field of binding.v1.BindingRequest'],
    ['/v1/shelves/s1?name=other', 'query parameter "name" is already bound by the path'],
  ])('answers %s with 400 naming the field', async (path, text) => {
    const response = await fetch(`${url}${path}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'BAD_REQUEST', message: text } });
  });

  it('refuses a body that is not JSON, or too large, before calling the backend', async () => {
    const text = await fetch(`${url}/v1/books/x`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(415);
    const large = await fetch(`${url}/v1/books/x`, sendJson('POST', { name: 'x'.repeat(70_000) }));
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('maps the backend’s status, and a path the template does not take is 404', async () => {
    const missing = await fetch(`${url}/v1/shelves/missing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no shelf "missing"' } });
    const elsewhere = await fetch(`${url}/v1/shelves/`);
    expect(elsewhere.status).toBe(404);
  });

  it('streams a server stream as Server-Sent Events, or as NDJSON when asked', async () => {
    const events = await (await fetch(`${url}/v1/lists/x`)).text();
    expect(events).toBe(
      'data: {"id":"a"}\n\ndata: {"id":"b"}\n\ndata: {"id":"c"}\n\nevent: end\ndata: {}\n\n',
    );
    expect((await fetch(`${url}/v1/lists/x`, { method: 'HEAD' })).status).toBe(404);
    const lines = await fetch(`${url}/v1/lists/x`, { headers: { accept: 'application/x-ndjson' } });
    expect(lines.headers.get('content-type')).toBe('application/x-ndjson');
    expect(
      (await lines.text())
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).result.id),
    ).toEqual(['a', 'b', 'c']);
  });
});
