import { eventually, type ServiceProcess } from '@quartet/grpc-testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient } from './chat-client';
import { addressesOf, type Backend, spawnBackends, startTestGateway, stopAll } from './fixture';
import { readEvents, type SseEvent } from './sse-client';

const SETTLE_MS = 1_000;
const GRACE_MS = 4_000;
/** Process start-up and exit around the drain itself, on a loaded machine. */
const MARGIN_MS = 2_000;

/** Streams `bytes` to POST /api/uploads at about 1.3 MB/s; resolves with the status and body. */
function slowUpload(
  url: string,
  authorization: string,
  bytes: Buffer,
): Promise<{ status?: number; body: string }> {
  return new Promise((resolve) => {
    const outgoing = request(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/octet-stream', 'content-length': bytes.length },
    });
    outgoing.once('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    outgoing.once('error', () => resolve({ body: '' }));
    let sent = 0;
    const timer = setInterval(() => {
      outgoing.write(bytes.subarray(sent, sent + 64 * 1024));
      sent += 64 * 1024;
      if (sent >= bytes.length) {
        clearInterval(timer);
        outgoing.end();
      }
    }, 50);
  });
}

describe('the gateway on SIGTERM', () => {
  const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-drain-uploads-'));
  let services: Record<Backend, ServiceProcess>;

  beforeAll(async () => {
    services = await spawnBackends({ upload: { UPLOAD_DIR: uploadDir } });
  }, 60_000);

  afterAll(async () => {
    await stopAll(services ?? {});
    rmSync(uploadDir, { recursive: true, force: true });
  });

  it(`fails /readyz first, ends every stream with a final word, lets running work finish, and exits 0 within settle + grace`, async () => {
    const gateway = await startTestGateway(addressesOf(services), {
      SHUTDOWN_SETTLE_MS: String(SETTLE_MS),
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
    });
    const ws = `${gateway.url.replace('http', 'ws')}/api/chat?room=drain`;
    const streams = await Promise.all(
      [1, 2, 3].map((i) => gateway.fetch(`/api/ticker/DRAIN${i}?count=0&intervalMs=200`)),
    );
    const events = streams.map((response) => readEvents(response));
    const members = [
      await ChatClient.open(ws, await gateway.signedIn('ann')),
      await ChatClient.open(ws, await gateway.signedIn('bob')),
    ];
    const file = randomBytes(2 * 1024 * 1024);
    const upload = slowUpload(
      `${gateway.url}/api/uploads?name=during-drain.bin`,
      (await gateway.signedIn('uploader')).authorization,
      file,
    );

    const signalled = Date.now();
    gateway.process.child.kill('SIGTERM');
    await eventually(async () => (await fetch(`${gateway.url}/readyz`)).status === 503, {
      timeoutMs: SETTLE_MS,
      everyMs: 20,
      what: '/readyz to fail at once',
    });
    expect(await (await fetch(`${gateway.url}/readyz`)).json()).toEqual({
      ready: false,
      draining: true,
      backends: {},
    });
    // Unary calls that arrive while load balancers take the gateway out are still served.
    const hellos = await Promise.all(
      Array.from({ length: 20 }, async () => (await gateway.fetch('/api/hello?name=drain')).status),
    );
    expect(hellos).toEqual(Array(20).fill(200));

    for (const stream of await Promise.all(events)) {
      expect(stream.filter((event) => event.event === 'message').length).toBeGreaterThan(0);
      expect(stream.at(-1)).toEqual({
        event: 'error',
        data: JSON.stringify({
          error: { code: 'UNAVAILABLE', message: 'the gateway is shutting down; reconnect to resume' },
        }),
      });
    }
    for (const member of members) {
      expect(await member.closedWith()).toEqual({ code: 1001, reason: 'the gateway is shutting down' });
    }

    const uploaded = await upload;
    expect(uploaded.status).toBe(201);
    const { id, size } = JSON.parse(uploaded.body) as { id: string; size: number };
    expect(size).toBe(file.length);
    expect(readFileSync(join(uploadDir, id, 'during-drain.bin')).equals(file)).toBe(true);
    expect(readdirSync(join(uploadDir, '.incoming'))).toEqual([]);

    expect(await gateway.process.exited).toBe(0);
    const tookMs = Date.now() - signalled;
    console.info(`gateway: drained with 3 SSE streams, 2 WebSockets and an upload open in ${tookMs} ms`);
    expect(tookMs).toBeLessThan(SETTLE_MS + GRACE_MS + MARGIN_MS);
    const stopped = gateway.process.logged('stopped')[0];
    expect(stopped?.['message']).toMatchObject({
      signal: 'SIGTERM',
      streamsEnded: 3,
      requestsLeftAtGrace: 0,
    });
  }, 30_000);

  it('cuts what is still running at the end of the grace period, keeping nothing of a cut upload', async () => {
    const gateway = await startTestGateway(addressesOf(services), {
      SHUTDOWN_SETTLE_MS: '0',
      SHUTDOWN_GRACE_MS: '500',
    });
    const storedBefore = readdirSync(uploadDir);
    // 8 MiB at 1.3 MB/s cannot finish in half a second.
    const upload = slowUpload(
      `${gateway.url}/api/uploads?name=cut.bin`,
      (await gateway.signedIn('uploader')).authorization,
      randomBytes(8 * 1024 * 1024),
    );
    await eventually(() => readdirSync(join(uploadDir, '.incoming')).length > 0, {
      what: 'the upload to start',
    });
    const signalled = Date.now();
    gateway.process.child.kill('SIGTERM');
    expect((await upload).status).toBeUndefined();
    expect(await gateway.process.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(500 + MARGIN_MS);
    await eventually(() => readdirSync(join(uploadDir, '.incoming')).length === 0, {
      what: 'the cut upload to be removed',
    });
    expect(readdirSync(uploadDir)).toEqual(storedBefore);
  }, 30_000);

  it('lets an SSE client resume from Last-Event-ID through a gateway restart, with no gap and no repeat', async () => {
    const first = await startTestGateway(addressesOf(services));
    const seen: SseEvent[] = [];
    const reading = readEvents(await first.fetch('/api/ticker/RESTART?intervalMs=20'), (events) => {
      seen.splice(0, seen.length, ...events);
      return false;
    });
    await eventually(() => seen.length >= 5, { what: 'five ticks before the restart' });
    first.process.child.kill('SIGTERM');
    const before = await reading;
    expect(before.at(-1)?.event).toBe('error');
    expect(await first.process.exited).toBe(0);

    // The same address, as a load balancer or a restarted pod would serve it.
    const second = await startTestGateway(addressesOf(services), { PORT: new URL(first.url).port });
    try {
      const lastId = before.filter((event) => event.event === 'message').at(-1)?.id;
      const after = await readEvents(
        await second.fetch('/api/ticker/RESTART?intervalMs=20', {
          headers: { 'last-event-id': String(lastId) },
        }),
        (events) => events.length >= 5,
      );
      const seqs = [...before, ...after]
        .filter((event) => event.event === 'message')
        .map((event) => (JSON.parse(event.data) as { seq: number }).seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    } finally {
      await second.stop();
    }
  }, 30_000);
});
