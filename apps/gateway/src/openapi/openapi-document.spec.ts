import { validate } from '@readme/openapi-parser';
import { contractRoutes } from '../transcoding/contract-routes';
import { httpRoutes, readServiceConfig } from '../transcoding/http-routes';
import { fixtureRegistry } from '../transcoding/fixtures/fixture-registry';
import { openApiDocument } from './openapi-document';

type Operation = {
  description?: string;
  parameters: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  responses: Record<string, { content?: Record<string, unknown> }>;
  security?: unknown[];
};

describe(openApiDocument.name, () => {
  const document = openApiDocument(contractRoutes(), 'v1') as {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, { properties?: Record<string, Record<string, unknown>> }> };
  };
  const operation = (path: string, verb = 'get') => {
    const found = document.paths[path]?.[verb];
    if (!found) throw new Error(`no ${verb} ${path}`);
    return found;
  };

  it('is a valid OpenAPI 3.1 document, as a real validator says', async () => {
    const result = await validate(structuredClone(document) as unknown as Parameters<typeof validate>[0]);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.specification).toBe('OpenAPI');
  });

  it('describes the contracts’ routes: parameters from the request, required ones marked, comments as descriptions', () => {
    const hello = operation('/api/hello');
    expect(hello.parameters).toEqual([
      { name: 'name', in: 'query', required: true, schema: { type: 'string' } },
    ]);
    expect(hello.responses['200']?.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/helloworld.HelloReply' } },
    });
    const ticker = operation('/api/ticker/{symbol}');
    expect(ticker.description).toMatch(/^Watch is server-streaming/);
    expect(ticker.parameters.map(({ name, in: where }) => `${where} ${name}`)).toEqual([
      'path symbol',
      'query count',
      'query intervalMs',
      'query fromSeq',
      'header Last-Event-ID',
    ]);
    expect(ticker.parameters[2]).toMatchObject({
      description: 'Milliseconds between ticks, at most 60000; 0 sends as fast as the client reads.',
      schema: { type: 'integer', format: 'uint32', minimum: 0 },
    });
    expect(Object.keys(ticker.responses['200']?.content ?? {})).toEqual([
      'text/event-stream',
      'application/x-ndjson',
    ]);
    expect(document.components.schemas['ticker.v1.WatchResponse']?.properties).toMatchObject({
      seq: { type: ['integer', 'string'], format: 'uint64' },
      time: { type: 'string', format: 'date-time' },
    });
  });

  it('describes the routes written by hand, and signs every route in but the public ones', () => {
    expect(operation('/api/session', 'post').security).toEqual([]);
    expect(operation('/api/uploads', 'post').parameters).toMatchObject([{ name: 'name', required: true }]);
    expect(operation('/api/chat').parameters.map(({ name }) => name)).toEqual(['room', 'since']);
    expect(operation('/api/hello').security).toBeUndefined();
  });

  it('writes bodies, nested and repeated query parameters and templates with patterns as OpenAPI has them', async () => {
    const registry = fixtureRegistry();
    const config = readServiceConfig(
      [
        'type: google.api.Service',
        'http:',
        '  rules:',
        '    - selector: binding.v1.BindingService.Get',
        '      get: /v1/{name=shelves/*}',
        '    - selector: binding.v1.BindingService.List',
        '      post: /v1/lists',
        '      body: "*"',
      ].join('\n'),
      'test.yaml',
    );
    const fixture = openApiDocument(httpRoutes(registry, [config]), 'test') as typeof document;
    const get = fixture.paths['/v1/{name}']?.['get'];
    expect(get?.parameters.map(({ name, in: where }) => `${where} ${name}`)).toEqual(
      expect.arrayContaining([
        'path name',
        'query tags',
        'query shelf.id',
        'query shelf.inner.id',
        'query at',
      ]),
    );
    expect(get?.parameters.find(({ name }) => name === 'labels')).toBeUndefined();
    const list = fixture.paths['/v1/lists']?.['post'] as Operation & { requestBody?: unknown };
    expect(list.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/binding.v1.BindingRequest' } } },
    });
    expect(list.parameters).toEqual([]);
    const result = await validate(structuredClone(fixture) as unknown as Parameters<typeof validate>[0]);
    expect(result.valid ? [] : result.errors).toEqual([]);
  });
});
