import { credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { workspaceRoot } from '@nx/devkit';
import { listeningEvent } from '@quartet/processes';
import { copyWorkspace, listed, type WorkspaceCopy } from './workspace-copy';

// The generator run for real, as a user runs it: in a copy of this workspace, one service of
// each style, then their own lint and tests, buf, Nx's affected projects, and a real call.

const GENERATED = [
  { name: 'orders', style: 'unary', gateway: true },
  { name: 'price-feed', style: 'server-streaming', gateway: true },
  { name: 'meter', style: 'client-streaming' },
  { name: 'whisper', style: 'bidi' },
] as const;
const NEW_PROJECTS = GENERATED.map(({ name }) => name);
/**
 * What a new service leaves untouched: it changes the contracts lib and the service catalogue,
 * which every app, the shared libs but auth, grpc-tls, certificates, processes and redis, the generator
 * and every e2e project depend on.
 */
const UNTOUCHED = ['web', 'security', 'auth', 'grpc-tls', 'telemetry', 'certificates', 'processes', 'redis'];

/** The address a service logs when it listens; rejects if it exits first. */
function listeningAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the service exited with ${code} before listening`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      // `nx serve` writes lines of its own before the app's JSON log.
      const listening = listeningEvent(line);
      if (listening) resolve(listening.address);
    });
  });
}

describe('npx nx g @quartet/tools:service, in a copy of the workspace', () => {
  let copy: WorkspaceCopy;
  const generatorOutput: string[] = [];

  beforeAll(async () => {
    copy = await copyWorkspace(workspaceRoot);
    for (const entry of GENERATED) {
      const gateway = 'gateway' in entry ? ['--gateway'] : [];
      const { stdout } = await copy.nx(
        'g',
        '@quartet/tools:service',
        entry.name,
        `--style=${entry.style}`,
        ...gateway,
      );
      generatorOutput.push(stdout);
    }
  }, 300_000);

  afterAll(() => copy?.remove());

  it('creates the contract, the app and its deployment files for each', () => {
    expect(generatorOutput[1]).toContain('CREATE proto/price_feed/v1/price_feed.proto');
    expect(generatorOutput[1]).toContain('CREATE apps/price-feed/src/price-feed/price-feed.service.ts');
    expect(generatorOutput[1]).toContain('CREATE deploy/k8s/price-feed.yaml');
  });

  it('keeps the deployment files consistent: the deploy project’s checks of them pass', async () => {
    const { stderr } = await copy.run(join(copy.root, 'node_modules/.bin/jest'), [
      '-c',
      'deploy/jest.config.cjs',
      'deploy/src/manifests.spec.ts',
    ]);
    expect(stderr).toMatch(/Tests: +\d+ passed, \d+ total/);
    expect(stderr).toContain('whisper');
  }, 60_000);

  it('leaves buf lint clean and nothing breaking against the starting commit', async () => {
    await expect(copy.run(join(copy.root, 'node_modules/.bin/buf'), ['lint'])).resolves.toBeDefined();
    await expect(
      copy.run(join(copy.root, 'node_modules/.bin/buf'), ['breaking', '--against', `.git#ref=${copy.base}`]),
    ).resolves.toBeDefined();
  }, 60_000);

  it('lists as affected the new projects and what depends on the contracts and the catalogue: nothing else', async () => {
    const { stdout } = await copy.nx('show', 'projects', '--affected', `--base=${copy.base}`);
    const all = listed((await copy.nx('show', 'projects')).stdout);
    expect(all).toEqual(expect.arrayContaining([...NEW_PROJECTS, ...UNTOUCHED]));
    expect(listed(stdout)).toEqual(all.filter((project) => !UNTOUCHED.includes(project)));
  }, 120_000);

  it('passes the new projects’ lint, typecheck and tests, and the contracts’ checks', async () => {
    const { stdout } = await copy.nx(
      'run-many',
      '--targets=lint,typecheck,test',
      `--projects=${[...NEW_PROJECTS, 'proto'].join(',')}`,
      '--outputStyle=static',
    );
    expect(stdout).toMatch(/Successfully ran targets lint, typecheck, test for 5 projects/);
    for (const name of NEW_PROJECTS) expect(stdout).toContain(`nx run ${name}:test`);
    expect(stdout).toContain('libs/proto matches what proto/ generates.');
  }, 420_000);

  it('wires the unary and server-streaming services into the gateway, whose lint passes and whose new routes answer', async () => {
    // The gateway's e2e specs run the built gateway and the built services it calls.
    await copy.nx(
      'run-many',
      '--targets=lint,build',
      '--projects=gateway,orders,price-feed',
      '--outputStyle=static',
    );
    const { stderr } = await copy.run(join(copy.root, 'node_modules/.bin/jest'), [
      '-c',
      'apps/gateway-e2e/jest.config.cjs',
      'apps/gateway-e2e/src/orders.e2e.spec.ts',
      'apps/gateway-e2e/src/price-feed.e2e.spec.ts',
    ]);
    expect(stderr).toMatch(/Tests: +6 passed, 6 total/);
  }, 300_000);

  describe('the unary service, run by `npx nx serve orders`', () => {
    let service: ChildProcess;
    let address: string;

    beforeAll(async () => {
      service = spawn(join(copy.root, 'node_modules/.bin/nx'), ['serve', 'orders'], {
        cwd: copy.root,
        env: { ...copy.env, HOST: '127.0.0.1', PORT: '0', LOG_FORMAT: 'json' },
        stdio: ['ignore', 'pipe', 'inherit'],
        detached: true,
      });
      address = await listeningAddress(service);
    }, 120_000);

    afterAll(() => {
      // nx and the app it runs: the whole process group.
      if (service?.pid && service.exitCode === null) process.kill(-service.pid, 'SIGTERM');
    });

    it('answers a real call from a client built from its proto files alone', async () => {
      // proto/ is the import path: the contract imports the HTTP annotations vendored there.
      const definition = loadSync('orders/v1/orders.proto', { includeDirs: [join(copy.root, 'proto')] });
      const Service = (
        loadPackageDefinition(definition)['orders'] as Record<string, Record<string, unknown>>
      )['v1']?.['OrdersService'] as ServiceClientConstructor;
      const client = new Service(address, credentials.createInsecure()) as unknown as {
        EchoOrders(request: object, callback: (error: Error | null, response?: object) => void): void;
        close(): void;
      };
      const answer = await new Promise((resolve, reject) =>
        client.EchoOrders({ text: 'first order' }, (error, response) =>
          error ? reject(error) : resolve(response),
        ),
      );
      client.close();
      expect(answer).toEqual({ text: 'first order' });
    });
  });

  it('then, after a change inside one new app, lists that app and the tests that run its build', async () => {
    const after = await copy.commit('four new services');
    await copy.run('sh', [
      '-c',
      'echo "// a change inside the app" >> apps/meter/src/meter/meter.service.ts',
    ]);
    const { stdout } = await copy.nx('show', 'projects', '--affected', `--base=${after}`);
    // The bench measures the services it names, not every one of the catalogue.
    expect(listed(stdout)).toEqual(['deploy', 'meter', 'workspace-e2e']);
  }, 120_000);

  it('refuses a name that exists, saying so, and changes nothing', async () => {
    await expect(copy.nx('g', '@quartet/tools:service', 'greeter', '--style=unary')).rejects.toThrow(
      'a project named "greeter" already exists',
    );
    const { stdout } = await copy.run('git', ['status', '--porcelain', '--', 'apps', 'proto', 'deploy']);
    expect(stdout.trim()).toBe('M apps/meter/src/meter/meter.service.ts');
  }, 60_000);
});
