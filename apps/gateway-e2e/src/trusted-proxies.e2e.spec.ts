import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceRoot } from '@nx/devkit';
import { parseAllDocuments } from 'yaml';
import { startTestGateway, type TestGateway } from './fixture';

/** POST /api/session from `localAddress` to `url`: the status and the cookie it set. */
function startSession(url: string, localAddress: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; cookie: string }>((resolve, reject) => {
    const sent = request({
      host: hostname,
      port,
      localAddress,
      method: 'POST',
      path: '/api/session',
      agent: false,
      headers: { 'content-type': 'application/json', ...headers },
    });
    sent.on('response', (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, cookie: String(response.headers['set-cookie'] ?? '') }),
      );
    });
    sent.on('error', reject);
    sent.end('{"user":"proxied"}');
  });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** The committed edge config (deploy/nginx/gateway-edge.conf) run by a real nginx in front of `gateway`. */
async function startEdgeNginx(dir: string, gateway: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const edge = readFileSync(join(workspaceRoot, 'deploy/nginx/gateway-edge.conf'), 'utf8')
    .replace('server gateway:3000;', `server ${gateway};`)
    .replace('listen 8080;', `listen 127.0.0.1:${port};`);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off; pid ${dir}/nginx.pid; error_log stderr warn; events {}
http { client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${edge}
}`,
  );
  const child = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (
      await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      )
    )
      return { url, child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('nginx did not start within 5 s');
}

describe('the gateway behind a proxy it trusts (TRUSTED_PROXIES)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quartet-edge-'));
  let gateway: TestGateway;
  let edge: { url: string; child: ChildProcess };

  beforeAll(async () => {
    // The proxy reaches the gateway from 127.0.0.1; clients come from other loopback addresses.
    gateway = await startTestGateway({}, { TRUSTED_PROXIES: '127.0.0.1', SESSIONS_PER_MINUTE: '2' });
    edge = await startEdgeNginx(dir, new URL(gateway.url).host);
  }, 60_000);

  afterAll(async () => {
    edge?.child.kill('SIGQUIT');
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const statuses = async (tries: number, start: () => Promise<{ status: number }>) => {
    const seen: number[] = [];
    for (let attempt = 0; attempt < tries; attempt += 1) seen.push((await start()).status);
    return seen;
  };

  it('gives each client behind nginx its own session budget, whatever the client writes in X-Forwarded-For', async () => {
    expect(await statuses(3, () => startSession(edge.url, '127.0.0.21'))).toEqual([201, 201, 429]);
    expect(
      await statuses(2, () => startSession(edge.url, '127.0.0.21', { 'x-forwarded-for': '203.0.113.50' })),
    ).toEqual([429, 429]);
    expect(await statuses(1, () => startSession(edge.url, '127.0.0.22'))).toEqual([201]);
  });

  it('believes nothing a peer outside TRUSTED_PROXIES claims: spoofed headers share its one budget', async () => {
    let spoof = 0;
    const spoofed = () =>
      startSession(gateway.url, '127.0.0.31', {
        'x-forwarded-for': `198.51.100.${(spoof += 1)}`,
        forwarded: 'for=192.0.2.9',
      });
    expect(await statuses(3, spoofed)).toEqual([201, 201, 429]);
  });

  it('sets the cookie Secure when a trusted proxy says the client came over HTTPS, and only then', async () => {
    const trusted = await startSession(gateway.url, '127.0.0.1', {
      'x-forwarded-for': '203.0.113.60',
      'x-forwarded-proto': 'https',
    });
    expect(trusted.status).toBe(201);
    expect(trusted.cookie).toMatch(/; Secure/);
    const untrusted = await startSession(gateway.url, '127.0.0.41', { 'x-forwarded-proto': 'https' });
    expect(untrusted.status).toBe(201);
    expect(untrusted.cookie).not.toMatch(/Secure/);
  });

  it('is how the Kubernetes manifest runs the gateway, behind its Ingress', () => {
    const manifests = parseAllDocuments(
      readFileSync(join(workspaceRoot, 'deploy/k8s/gateway.yaml'), 'utf8'),
    ).map((document) => document.toJS());
    const deployment = manifests.find((manifest) => manifest?.kind === 'Deployment');
    const env = deployment.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    expect(env.find(({ name }) => name === 'TRUSTED_PROXIES')?.value).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
  });
});
