import { createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { workspaceRoot } from '@nx/devkit';
import { FILE_DESCRIPTOR_SET } from '@quartet/proto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureRegistry } from './fixtures/fixture-registry';
import { HttpRuleError, httpRoutes, readServiceConfig } from './http-routes';

const summary = (routes: ReturnType<typeof httpRoutes>) =>
  routes.map((route) => ({
    route: `${route.verb} ${route.template.source}`,
    method: `${route.method.parent.typeName}.${route.method.name}`,
    ...(route.body ? { body: route.body } : {}),
    ...(route.responseBody ? { responseBody: route.responseBody } : {}),
  }));

const config = (rules: string) => `type: google.api.Service\nconfig_version: 3\nhttp:\n  rules:\n${rules}`;

describe(httpRoutes.name, () => {
  it('finds the routes quartet’s contracts declare: chat’s and the ticker’s inline, helloworld’s in its service config', () => {
    const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, FILE_DESCRIPTOR_SET));
    const helloworld = readFileSync(join(workspaceRoot, 'proto/helloworld/helloworld.http.yaml'), 'utf8');
    const routes = httpRoutes(registry, [readServiceConfig(helloworld, 'helloworld.http.yaml')]);
    expect(summary(routes)).toEqual([
      { route: 'GET /api/chat/rooms/{room}/members', method: 'chat.v1.ChatService.ListMembers' },
      { route: 'GET /api/ticker/{symbol}', method: 'ticker.v1.TickerService.Watch' },
      { route: 'GET /api/hello', method: 'helloworld.Greeter.SayHello' },
    ]);
    const [members, ticker, hello] = routes;
    expect(members?.required).toEqual(['room']);
    expect(ticker?.required).toEqual([]);
    expect(ticker?.eventStream).toMatchObject({
      idField: { name: 'seq' },
      resumeField: { name: 'from_seq' },
      item: 'tick',
    });
    expect(hello?.required).toEqual(['name']);
    expect(hello?.eventStream).toBeUndefined();
  });

  describe('from a service config', () => {
    const registry = fixtureRegistry();
    const routes = (rules: string) =>
      summary(
        httpRoutes(registry, [readServiceConfig(config(rules), 'test.yaml')]).filter(
          (route) => route.method.parent.typeName === 'binding.v1.BindingService',
        ),
      );

    it('reads REQUIRED fields and the event_stream option of an inline rule', () => {
      const [pages] = httpRoutes(registry);
      expect(pages?.template.source).toBe('/v1/topics/{topic}/pages');
      expect(pages?.required).toEqual(['topic', 'author']);
      expect(pages?.eventStream).toMatchObject({
        idField: { name: 'number' },
        resumeField: { name: 'after' },
        item: 'page',
      });
    });

    it('takes every verb, custom ones, body, response_body and additional bindings', () => {
      expect(
        routes(`    - selector: binding.v1.BindingService.Get
      get: /v1/{name=shelves/*}
      response_body: id
      additional_bindings:
        - post: /v1/shelves:get
          body: '*'
        - custom:
            kind: HEAD
            path: /v1/{name=shelves/*}
    - selector: binding.v1.BindingService.List
      patch: /v1/shelves/{shelf.id}
      body: tags
`),
      ).toEqual([
        { route: 'GET /v1/{name=shelves/*}', method: 'binding.v1.BindingService.Get', responseBody: 'id' },
        { route: 'POST /v1/shelves:get', method: 'binding.v1.BindingService.Get', body: '*' },
        { route: 'HEAD /v1/{name=shelves/*}', method: 'binding.v1.BindingService.Get' },
        { route: 'PATCH /v1/shelves/{shelf.id}', method: 'binding.v1.BindingService.List', body: 'tags' },
      ]);
    });

    it.each([
      [
        '    - selector: binding.v1.Nope.Get\n      get: /x\n',
        'the rule for binding.v1.Nope.Get names no method of the contracts',
      ],
      [
        '    - selector: binding.v1.BindingService.Upload\n      post: /x\n',
        'binding.v1.BindingService.Upload streams its requests, which no HTTP rule can carry',
      ],
      [
        '    - selector: binding.v1.BindingService.Get\n      get: /x\n      post: /y\n',
        'binding.v1.BindingService.Get: a rule needs exactly one of get, put, post, delete, patch, custom',
      ],
      [
        '    - selector: binding.v1.BindingService.Get\n      post: /x\n      body: nope\n',
        'binding.v1.BindingService.Get: body "nope" names no field',
      ],
      [
        '    - selector: binding.v1.BindingService.Get\n      get: /x\n      response_body: nope\n',
        'binding.v1.BindingService.Get: response_body "nope" names no field',
      ],
      [
        '    - selector: binding.v1.BindingService.Get\n      get: /x\n    - selector: binding.v1.BindingService.List\n      get: /x\n',
        'GET /x is declared for both binding.v1.BindingService.Get and binding.v1.BindingService.List',
      ],
      [
        '    - selector: binding.v1.BindingService.Get\n      get: /x\n      additional_bindings:\n        - get: /y\n          additional_bindings:\n            - get: /z\n',
        'binding.v1.BindingService.Get: additional_bindings cannot nest',
      ],
    ])('refuses %j: %s', (rules, message) => {
      expect(() => routes(rules)).toThrow(new HttpRuleError(message));
    });

    it('refuses a bad path template, and a file that is no service config', () => {
      expect(() =>
        routes('    - selector: binding.v1.BindingService.Get\n      get: /v1/{name=**}/x\n'),
      ).toThrow('"**" must be the last segment');
      expect(() => readServiceConfig('http: {}', 'other.yaml')).toThrow(
        new HttpRuleError('other.yaml: not a service config (type: google.api.Service)'),
      );
      expect(() => readServiceConfig(`${config('')}\nrequired_fields: x`, 'other.yaml')).toThrow(
        new HttpRuleError('other.yaml: required_fields must be a list of package.Message.field names'),
      );
    });
  });
});
