import type { ServiceError } from '@grpc/grpc-js';
import { healthClient, type ServingStatus } from '@quartet/grpc-client';
import { deadlineIn, type ServiceProcess, spawnService } from '@quartet/grpc-testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CATALOGUE as catalogue } from '@quartet/service-catalogue';
import { imageBuildOf } from './support/image-build';
import { assembleImage, type ImageLayout } from './support/image-layout';

// What each image holds, laid out on disk by following its Dockerfile: only the app's build
// output and the npm packages its pruned lockfile names, away from the workspace's
// node_modules. Each must start from there, and answer the probes its manifest declares.

const root = join(__dirname, '..', '..');
const { services, gateway } = catalogue;

/** The grpc probes of an app's Deployment in deploy/k8s, as the kubelet would send them. */
function probesOf(app: string): { readiness: string; liveness: string } {
  const text = readFileSync(join(__dirname, '..', 'k8s', `${app}.yaml`), 'utf8');
  const deployment = parseAllDocuments(text)
    .map((document) => document.toJS())
    .find((manifest) => manifest.kind === 'Deployment');
  const container = deployment.spec.template.spec.containers[0];
  return {
    readiness: container.readinessProbe.grpc.service ?? '',
    liveness: container.livenessProbe.grpc.service ?? '',
  };
}

function startFromImage(
  app: string,
  image: ImageLayout,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const [node, main] = image.cmd;
  expect(node).toBe('node');
  return spawnService(app, {
    main: join(image.workdir, main ?? ''),
    cwd: image.workdir,
    // The image's settings, but on loopback and ephemeral ports, as every test here runs, and
    // stopping without the gateway's settle, which is for load balancers.
    env: { ...image.env, ...env, HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', SHUTDOWN_SETTLE_MS: '0' },
    startTimeoutMs: 20_000,
  });
}

describe('what the images hold', () => {
  let scratch: string;
  const running: ServiceProcess[] = [];

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'quartet-images-'));
  });

  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop()));
    rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  it.each(services)(
    '$app starts from its image’s files alone and answers its manifest’s health probes',
    async ({ app }) => {
      const build = imageBuildOf(app);
      const image = await assembleImage(build.text, root, join(scratch, app), build.args);
      expect(image.workdir.startsWith(scratch)).toBe(true);
      const uploads = join(scratch, app, 'uploads');
      const service = await startFromImage(
        app,
        image,
        image.env['UPLOAD_DIR'] ? { UPLOAD_DIR: uploads } : {},
      );
      running.push(service);

      const health = healthClient(service.address);
      try {
        for (const probe of Object.values(probesOf(app))) {
          const answer = await new Promise<[ServiceError | null, ServingStatus | undefined]>((resolve) =>
            health.check({ service: probe }, deadlineIn(), (error, response) =>
              resolve([error, response?.status]),
            ),
          );
          expect(answer).toEqual([null, 'SERVING']);
        }
      } finally {
        health.close();
      }
    },
    120_000,
  );

  it('the gateway starts from its image’s files alone and serves the page from them', async () => {
    const build = imageBuildOf(gateway.app);
    const image = await assembleImage(build.text, root, join(scratch, gateway.app), build.args);
    const service = await startFromImage(gateway.app, image, {});
    running.push(service);

    const live = await fetch(`http://${service.address}/healthz`);
    expect(live.status).toBe(200);
    const page = await fetch(`http://${service.address}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(readFileSync(join(root, 'dist', 'apps', 'web', 'index.html'), 'utf8'));
  }, 120_000);
});
