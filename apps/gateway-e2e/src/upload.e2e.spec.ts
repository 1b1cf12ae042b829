import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials, type ServerReadableStream, type sendUnaryData } from '@grpc/grpc-js';
import { eventually } from '@quartet/grpc-testing';
import {
  grpcServiceDefinition,
  type UploadRequest,
  type UploadResponse,
  UploadServiceDefinition,
} from '@quartet/proto';
import { type GatewayStack, startGatewayStack, startTestGateway, type TestGateway } from './fixture';
import { pushUntilStalled } from './upload-body';

const MiB = 1024 * 1024;

/** Every file under `dir`, at any depth: stored uploads and temporary ones alike. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('POST /api/uploads', () => {
  const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-gateway-uploads-'));
  let stack: GatewayStack;
  let gateway: TestGateway;

  beforeAll(async () => {
    stack = await startGatewayStack({ upload: { UPLOAD_DIR: uploadDir, UPLOAD_MAX_BYTES: String(8 * MiB) } });
    gateway = stack.gateway;
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  const post = (query: string, body: RequestInit['body'], headers: Record<string, string> = {}) =>
    gateway.fetch(`/api/uploads${query}`, {
      method: 'POST',
      body,
      headers,
      duplex: 'half',
    } as RequestInit);

  it('streams the body to the upload service and answers 201 with its sha256', async () => {
    const bytes = randomBytes(3 * MiB + 17);
    const response = await post('?name=report.pdf', bytes, { 'content-type': 'application/pdf' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-served-by')).toBe('upload-1');
    const stored = (await response.json()) as {
      id: string;
      name: string;
      size: number;
      chunks: number;
      sha256: string;
      owner: string;
    };
    expect(stored).toEqual({
      id: expect.any(String),
      name: 'report.pdf',
      size: bytes.length,
      chunks: expect.any(Number),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      // These services verify no tokens, so they know no owner (see gateway-auth.e2e.spec.ts).
      owner: '',
    });
    // Whole 1 MiB chunk messages, not one a socket read (some 49 of 64 KiB): the backend's work
    // is per message. A part goes on early once it has waited 100 ms, which a busy machine that
    // reads the body slowly makes happen now and then.
    expect(stored.chunks).toBeGreaterThanOrEqual(4);
    expect(stored.chunks).toBeLessThanOrEqual(16);
    expect(readFileSync(join(uploadDir, stored.id, 'report.pdf')).equals(bytes)).toBe(true);
  });

  it('takes a body of unknown length (chunked) too', async () => {
    const parts = [randomBytes(100_000), randomBytes(200_000)];
    const body = new ReadableStream({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    });
    const response = await post('?name=chunked.bin', body);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      size: 300_000,
      sha256: createHash('sha256').update(Buffer.concat(parts)).digest('hex'),
    });
  });

  it('sends a slow body on as it comes, without waiting for a whole chunk (the backend drops idle uploads)', async () => {
    const parts = [randomBytes(1_000), randomBytes(2_000), randomBytes(3_000)];
    const body = new ReadableStream({
      async start(controller) {
        for (const part of parts) {
          controller.enqueue(part);
          await new Promise((resolve) => setTimeout(resolve, 400));
        }
        controller.close();
      },
    });
    const response = await post('?name=slow.bin', body);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ size: 6_000, chunks: 3 });
  });

  it('answers a missing name with 400, and a name the service refuses with its message', async () => {
    const missing = await post('', 'x');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: { code: 'BAD_REQUEST', message: 'query parameter "name" is required, once' },
    });
    const traversal = await post('?name=..%2Fescape', 'x');
    expect(traversal.status).toBe(400);
    expect(await traversal.json()).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(traversal.headers.get('x-served-by')).toBe('upload-1');
  });

  it('answers a body over the service limit with 413, keeping nothing', async () => {
    const before = filesUnder(uploadDir).length;
    const response = await post('?name=huge.bin', randomBytes(9 * MiB));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'RESOURCE_EXHAUSTED' } });
    await eventually(() => filesUnder(uploadDir).length === before, { what: 'no file to be kept' });
  });

  it('leaves no file, not even a partial one, when the client aborts mid-upload', async () => {
    const before = filesUnder(uploadDir);
    const sending = await pushUntilStalled(
      `${gateway.url}/api/uploads?name=aborted.bin`,
      5 * MiB,
      await gateway.signedIn(),
    );
    expect(sending.accepted).toBe(5 * MiB);
    await eventually(() => filesUnder(uploadDir).length > before.length, {
      what: 'the partial file to appear',
    });
    sending.abort();
    await eventually(() => filesUnder(uploadDir).length === before.length, {
      what: 'the partial file to be removed',
    });
  });
});

describe('POST /api/uploads to a backend that stops reading', () => {
  let server: Server;
  let gateway: TestGateway;
  const calls: ServerReadableStream<UploadRequest, UploadResponse>[] = [];

  beforeAll(async () => {
    server = new Server();
    // A stalled disk, say: the service takes the call and then reads nothing.
    server.addService(grpcServiceDefinition(UploadServiceDefinition), {
      Upload: (
        call: ServerReadableStream<UploadRequest, UploadResponse>,
        _done: sendUnaryData<UploadResponse>,
      ) => {
        calls.push(call);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    const unused = '127.0.0.1:9';
    gateway = await startTestGateway(
      { greeter: unused, ticker: unused, chat: unused, upload: `127.0.0.1:${port}` },
      { STREAM_DEADLINE_MS: '4000' },
    );
  });

  afterAll(async () => {
    await gateway?.stop();
    server?.forceShutdown();
  });

  // A paused socket cannot see its peer leave (that takes a read), so a sender that gives up
  // on a stalled upload is let go by the stream deadline: the call ends, the sender gets 504.
  it('slows the sender down to what the backend takes, until the stream deadline', async () => {
    const sending = await pushUntilStalled(
      `${gateway.url}/api/uploads?name=stalled.bin`,
      256 * MiB,
      await gateway.signedIn(),
    );
    console.info(
      `gateway: a backend that reads nothing stops the sender after ${(sending.accepted / MiB).toFixed(1)} MiB`,
    );
    // The call's write buffer, HTTP/2 windows and both sockets' kernel buffers, no more.
    expect(sending.accepted).toBeLessThan(32 * MiB);
    expect(calls).toHaveLength(1);
    const cancelled = new Promise<void>((resolve) => calls[0].once('cancelled', () => resolve()));
    expect(await sending.status).toBe(504);
    await cancelled;
    sending.abort();
  }, 15_000);
});
