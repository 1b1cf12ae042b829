import { addProjectConfiguration, readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { serviceGenerator } from './generator';
import type { ServiceGeneratorSchema, ServiceStyle } from './schema';
import type { Catalogue } from '@quartet/service-catalogue';
import { CATALOGUE } from './workspace-files';

const workspace = join(__dirname, '../../../../..');
/** The workspace files the generator edits, as they are in this repository. */
const SEEDED = [
  CATALOGUE,
  'deploy/project.json',
  'deploy/k8s/kustomization.yaml',
  'deploy/compose.yaml',
  'deploy/k8s/gateway.yaml',
  'apps/gateway-e2e/project.json',
  'apps/gateway/src/gateway.module.ts',
  '.prettierrc',
  'eslint.config.mjs',
];

// Prettier cannot be imported dynamically under Jest; the end-to-end spec runs the generator
// for real, formatting included, and lints what it wrote.
process.env['NX_SKIP_FORMAT'] = 'true';

function quartetTree(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  // This workspace formats with prettier (.prettierrc, seeded below), not the empty workspace's oxfmt.
  tree.delete('.oxfmtrc.json');
  for (const path of SEEDED) tree.write(path, readFileSync(join(workspace, path), 'utf8'));
  // The gateway is a project already: its project.json is seeded above.
  for (const app of ['greeter', 'ticker', 'upload', 'chat']) {
    addProjectConfiguration(tree, app, { root: `apps/${app}`, projectType: 'application' });
  }
  return tree;
}

const generate = (tree: Tree, options: Partial<ServiceGeneratorSchema> & { name: string }) =>
  serviceGenerator(tree, { style: 'unary', skipGenerate: true, ...options } as ServiceGeneratorSchema);

/** What each style's RPC looks like in the contract and in the generated controller. */
const STYLE_SHAPES: Record<ServiceStyle, { rpc: RegExp; handler: string }> = {
  unary: {
    rpc: /rpc EchoOrderBook\(EchoOrderBookRequest\) returns \(EchoOrderBookResponse\);/,
    handler: 'echoOrderBook(request: EchoOrderBookRequest)',
  },
  'server-streaming': {
    rpc: /rpc CountOrderBook\(CountOrderBookRequest\) returns \(stream CountOrderBookResponse\);/,
    handler: 'countOrderBook(',
  },
  'client-streaming': {
    rpc: /rpc SumOrderBook\(stream SumOrderBookRequest\) returns \(SumOrderBookResponse\);/,
    handler: 'sumOrderBook(requests: Observable<SumOrderBookRequest>)',
  },
  bidi: {
    rpc: /rpc RelayOrderBook\(stream RelayOrderBookRequest\) returns \(stream RelayOrderBookResponse\);/,
    handler: 'relayOrderBook(',
  },
};

describe('service generator', () => {
  describe.each(Object.keys(STYLE_SHAPES) as ServiceStyle[])('--style %s', (style) => {
    let tree: Tree;

    beforeEach(async () => {
      tree = quartetTree();
      await generate(tree, { name: 'order-book', style });
    });

    it('writes a commented contract with one RPC of the style, in a folder named by its package', () => {
      const proto = tree.read('proto/order_book/v1/order_book.proto', 'utf8') ?? '';
      expect(proto).toContain('package order_book.v1;');
      expect(proto).toMatch(/\/\/ OrderBookService .*\nservice OrderBookService \{/);
      expect(proto).toMatch(STYLE_SHAPES[style].rpc);
      expect(proto.match(/^\s*rpc /gm)).toHaveLength(1);
      for (const line of proto
        .split('\n')
        .filter((text) => /^\s*(rpc|message|service|\w+ \w+ = \d+;)/.test(text))) {
        const index = proto.split('\n').indexOf(line);
        expect(proto.split('\n')[index - 1]).toMatch(/^\s*\/\//);
      }
    });

    it('creates the app: module, a thin controller on the generated interface, a service, a unit and an e2e spec', () => {
      const files = [
        'project.json',
        'jest.config.cjs',
        'tsconfig.json',
        'tsconfig.app.json',
        'tsconfig.spec.json',
        'webpack.config.js',
        'src/main.ts',
        'src/instrument.ts',
        'src/config.ts',
        'src/order-book/order-book.module.ts',
        'src/order-book/order-book.controller.ts',
        'src/order-book/order-book.service.ts',
        'src/order-book/order-book.service.spec.ts',
        'src/e2e/order-book.e2e.spec.ts',
      ];
      for (const file of files) expect(tree.exists(`apps/order-book/${file}`)).toBe(true);
      const controller = tree.read('apps/order-book/src/order-book/order-book.controller.ts', 'utf8');
      expect(controller).toContain('@OrderBookServiceControllerMethods()');
      expect(controller).toContain('implements OrderBookServiceController');
      expect(controller).toContain(STYLE_SHAPES[style].handler);
      expect(tree.read('apps/order-book/src/main.ts', 'utf8')).toContain('runGrpcService');
      expect(tree.read('apps/order-book/src/config.ts', 'utf8')).toContain("defaultPort('order-book')");
    });

    it('tags the project, bundles it as a Node app (its serve target is inferred), and limits its imports to its scope and the shared libs', () => {
      const project = readJson(tree, 'apps/order-book/project.json');
      expect(project.tags).toEqual(['type:app', 'scope:order-book']);
      expect(project.targets).toBeUndefined();
      expect(tree.read('apps/order-book/webpack.config.js', 'utf8')).toContain('tools/webpack/node-app.cjs');
      // The root ESLint config gives every app in apps/ its own scope: it needs no edit.
      expect(tree.read('eslint.config.mjs', 'utf8')).toBe(
        readFileSync(join(workspace, 'eslint.config.mjs'), 'utf8'),
      );
    });

    it('adds the service to the catalogue, compose, Kubernetes and the deploy project', () => {
      expect(readJson<Catalogue>(tree, CATALOGUE).services.at(-1)).toEqual({
        app: 'order-book',
        port: 50055,
        grpcService: 'order_book.v1.OrderBookService',
        style,
        // Only the generated unary call is safe to repeat.
        ...(style === 'unary' ? { idempotent: true } : {}),
      });
      expect(readJson(tree, 'deploy/project.json').implicitDependencies).toContain('order-book');
      const kustomization = parse(tree.read('deploy/k8s/kustomization.yaml', 'utf8') ?? '');
      expect(kustomization.resources).toContain('order-book.yaml');
      const manifest = tree.read('deploy/k8s/order-book.yaml', 'utf8') ?? '';
      expect(manifest).toContain('service: order_book.v1.OrderBookService');
      expect(manifest).toContain('clusterIP: None');
      const compose = parse(tree.read('deploy/compose.yaml', 'utf8') ?? '', { merge: true });
      expect(compose.services['order-book']).toMatchObject({
        build: { context: '..', dockerfile: 'deploy/service.Dockerfile', args: { APP: 'order-book' } },
        stop_grace_period: '15s',
      });
      expect(compose.services.proxy.depends_on).toContain('order-book');
      expect(tree.read('deploy/compose.yaml', 'utf8')).toContain('# quartet on one Docker host');
    });
  });

  describe('--gateway', () => {
    it.each(['unary', 'server-streaming'] as const)(
      'wires a %s service into the gateway: a route in its contract, no gateway code, its test, its targets',
      async (style) => {
        const tree = quartetTree();
        await generate(tree, { name: 'order-book', style, gateway: true });
        const contract = tree.read('proto/order_book/v1/order_book.proto', 'utf8') ?? '';
        expect(contract).toContain('import "google/api/annotations.proto";');
        expect(contract).toContain('option (google.api.http) = {get: "/api/order-book"};');
        expect(tree.read('apps/gateway/src/gateway.module.ts', 'utf8')).toBe(
          readFileSync(join(workspace, 'apps/gateway/src/gateway.module.ts'), 'utf8'),
        );
        expect(tree.children('apps/gateway/src')).not.toContain('order-book');
        expect(tree.exists('apps/gateway-e2e/src/order-book.e2e.spec.ts')).toBe(true);
        expect(readJson(tree, 'apps/gateway-e2e/project.json').implicitDependencies).toContain('order-book');
        // The gateway calls every catalogue service that has a target variable.
        expect(readJson<Catalogue>(tree, CATALOGUE).services.at(-1)).toMatchObject({
          targetVariable: 'ORDER_BOOK_TARGET',
        });
        const compose = parse(tree.read('deploy/compose.yaml', 'utf8') ?? '', { merge: true });
        expect(compose.services.gateway.environment.ORDER_BOOK_TARGET).toBe('dns:///order-book:50055');
        const k8s = tree.read('deploy/k8s/gateway.yaml', 'utf8') ?? '';
        expect(k8s).toMatch(
          /- name: ORDER_BOOK_TARGET\n\s+value: dns:\/\/\/order-book\.quartet\.svc\.cluster\.local:50055/,
        );
        expect(k8s).toContain('# gateway: HTTP, SSE, WebSocket');
        expect(k8s.match(/^---$/gm)).toHaveLength(1);
      },
    );

    it.each(['client-streaming', 'bidi'] as const)(
      'refuses to wire a %s service, saying why',
      async (style) => {
        const tree = quartetTree();
        await expect(generate(tree, { name: 'orders', style, gateway: true })).rejects.toThrow(
          `--gateway wires unary and server-streaming services only; a ${style} service needs a route designed for it`,
        );
      },
    );

    it('declares no HTTP route without --gateway', async () => {
      const tree = quartetTree();
      await generate(tree, { name: 'orders' });
      expect(tree.read('proto/orders/v1/orders.proto', 'utf8')).not.toContain('google.api');
      expect(tree.read('apps/gateway/src/gateway.module.ts', 'utf8')).toBe(
        readFileSync(join(workspace, 'apps/gateway/src/gateway.module.ts'), 'utf8'),
      );
      expect(readJson<Catalogue>(tree, CATALOGUE).services.at(-1)?.targetVariable).toBeUndefined();
    });
  });

  describe('ports', () => {
    it('gives each new service the next port that it and its replicas can have', async () => {
      const tree = quartetTree();
      await generate(tree, { name: 'first' });
      await generate(tree, { name: 'second' });
      const ports = readJson<Catalogue>(tree, CATALOGUE).services.map(({ port }) => port);
      expect(ports.slice(-2)).toEqual([50055, 50056]);
    });

    it('takes a free port it is given', async () => {
      const tree = quartetTree();
      await generate(tree, { name: 'orders', port: 51000 });
      expect(readJson<Catalogue>(tree, CATALOGUE).services.at(-1)?.port).toBe(51000);
    });

    it.each([
      [50052, 'port 50052 is taken by ticker'],
      [50041, 'port 50041 would put replica 2 on 50051, which greeter has'],
      [3000, 'port 3000 is taken by gateway'],
      [80, '--port 80 is not a port a service can take: give a whole number from 1024 to 65455'],
    ])('refuses port %d, saying why', async (port, message) => {
      const tree = quartetTree();
      await expect(generate(tree, { name: 'orders', port })).rejects.toThrow(message);
      expect(tree.exists('apps/orders')).toBe(false);
    });
  });

  describe('names', () => {
    it.each([
      ['OrderBook', '"OrderBook" is not a valid service name: use kebab-case'],
      ['1orders', '"1orders" is not a valid service name'],
      ['order--book', '"order--book" is not a valid service name'],
      ['order_book', '"order_book" is not a valid service name'],
      ['gateway', '"gateway" is a name the workspace itself uses'],
      ['greeter', 'a project named "greeter" already exists'],
      ['x'.repeat(41), 'at most 40 are allowed'],
    ])('refuses %s, saying why, and writes nothing', async (name, message) => {
      const tree = quartetTree();
      const before = tree.listChanges().length;
      await expect(generate(tree, { name })).rejects.toThrow(message);
      expect(tree.listChanges()).toHaveLength(before);
    });

    it('refuses a name whose contract package exists already', async () => {
      const tree = quartetTree();
      tree.write('proto/orders/v1/orders.proto', 'syntax = "proto3";\n');
      await expect(generate(tree, { name: 'orders' })).rejects.toThrow('proto/orders already exists');
    });

    it('refuses a style it does not know', async () => {
      const tree = quartetTree();
      await expect(generate(tree, { name: 'orders', style: 'duplex' as ServiceStyle })).rejects.toThrow(
        '--style must be one of unary, server-streaming, client-streaming, bidi; got "duplex"',
      );
    });
  });
});
