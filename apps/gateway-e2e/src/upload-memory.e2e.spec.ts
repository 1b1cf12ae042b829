import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServiceProcess, spawnService } from '@quartet/grpc-testing';

const MiB = 1024 * 1024;
// GATEWAY_UPLOAD_MIB=512 measures the figure the README quotes.
const UPLOAD_MIB = Number(process.env['GATEWAY_UPLOAD_MIB'] ?? 256);

function residentMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

describe('the built gateway during a large upload', () => {
  const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-gateway-memory-'));
  let upload: ServiceProcess;
  let gateway: ServiceProcess;

  beforeAll(async () => {
    upload = await spawnService('upload', {
      env: { UPLOAD_DIR: uploadDir, UPLOAD_MAX_BYTES: String(1024 * MiB) },
    });
    const unused = '127.0.0.1:9';
    gateway = await spawnService('gateway', {
      env: {
        UPLOAD_TARGET: upload.address,
        GREETER_TARGET: unused,
        TICKER_TARGET: unused,
        CHAT_TARGET: unused,
      },
    });
  }, 30_000);

  afterAll(async () => {
    await gateway?.stop();
    await upload?.stop();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  it(`streams ${UPLOAD_MIB} MiB through without holding it: its memory stays far below the body's size`, async () => {
    const pid = gateway.child.pid as number;
    const atRest = residentMiB(pid);
    let peak = atRest;
    const sampler = setInterval(() => (peak = Math.max(peak, residentMiB(pid))), 25);
    const chunk = randomBytes(MiB);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const body = request(`http://${gateway.address}/api/uploads?name=big.bin`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'content-length': UPLOAD_MIB * MiB },
      });
      body.once('response', (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      body.once('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < UPLOAD_MIB) {
          sent += 1;
          if (!body.write(chunk)) return void body.once('drain', pump);
        }
        body.end();
      };
      pump();
    }).finally(() => clearInterval(sampler));
    console.info(
      `gateway: RSS ${atRest.toFixed(0)} MiB at rest, ${peak.toFixed(0)} MiB at peak during a ${UPLOAD_MIB} MiB upload`,
    );
    expect(status).toBe(201);
    expect(peak - atRest).toBeLessThan(UPLOAD_MIB / 4);
  }, 60_000);
});
