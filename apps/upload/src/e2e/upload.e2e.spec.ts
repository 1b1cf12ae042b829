import { type ClientWritableStream, Metadata, status } from '@grpc/grpc-js';
import { Module } from '@nestjs/common';
import { type RunningGrpcService, startGrpcService } from '@quartet/grpc-server';
import { connect, deadlineIn, eventually, outcomeOf, testServerConfig } from '@quartet/grpc-testing';
import {
  type GrpcClient,
  type UploadRequest,
  type UploadResponse,
  UploadServiceDefinition,
  UPLOAD_MAX_CHUNK_BYTES,
} from '@quartet/proto';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UPLOAD_CONFIG, type UploadConfig } from '../config';
import { UploadController } from '../upload/upload.controller';
import { UploadMetrics } from '../upload/upload.metrics';
import { UploadModule } from '../upload/upload.module';
import { UploadService } from '../upload/upload.service';
import { LocalUploadStore } from '../upload/store/local-upload-store';
import { type PartialUpload, UploadStore } from '../upload/store/upload-store';

/** The service's own defaults for the limits these tests do not exercise. */
const uploadLimits = { idleMs: 30_000, minFreeBytes: 0, maxActive: 32, retentionDays: 0 };

type UploadClient = GrpcClient<typeof UploadServiceDefinition>;

const info = (name: string, size?: number): UploadRequest => ({
  payload: {
    $case: 'info',
    value: {
      name,
      contentType: 'application/octet-stream',
      size: size === undefined ? undefined : BigInt(size),
    },
  },
});
const chunk = (bytes: Buffer): UploadRequest => ({ payload: { $case: 'chunk', value: bytes } });
const chunksOf = (data: Buffer, size = UPLOAD_MAX_CHUNK_BYTES) =>
  Array.from({ length: Math.ceil(data.length / size) }, (_, i) =>
    chunk(data.subarray(i * size, (i + 1) * size)),
  );
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Streams `requests` as a client that respects backpressure would, then half-closes unless told to keep the call open. */
function send(
  client: UploadClient,
  requests: UploadRequest[],
  options = deadlineIn(30_000),
  keepOpen = false,
) {
  let call!: ClientWritableStream<UploadRequest>;
  const outcome = outcomeOf<UploadResponse>((done) => {
    call = client.upload(new Metadata(), options, done);
    void (async () => {
      for (const request of requests) {
        if (!call.write(request)) await new Promise((resolve) => call.once('drain', resolve));
      }
      if (!keepOpen) call.end();
    })();
    return call;
  });
  return { call, outcome };
}

function startUploads(module: Parameters<typeof startGrpcService>[0]['module']) {
  return startGrpcService({
    module,
    services: [UploadServiceDefinition],
    config: testServerConfig(),
    maxReceiveMessageBytes: UPLOAD_MAX_CHUNK_BYTES + 1024,
  });
}

describe('upload over gRPC', () => {
  let uploadDir: string;
  let sut: RunningGrpcService;
  let client: UploadClient;

  const stored = () => readdirSync(uploadDir).filter((entry) => entry !== '.incoming');
  const incoming = () => readdirSync(join(uploadDir, '.incoming'));

  beforeAll(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), 'quartet-upload-e2e-'));
    sut = await startUploads(
      UploadModule.forRoot({
        ...uploadLimits,
        server: testServerConfig(),
        uploadDir,
        maxFileBytes: 8 * UPLOAD_MAX_CHUNK_BYTES,
      }),
    );
    client = connect(UploadServiceDefinition, sut.address);
  });

  afterAll(async () => {
    client.close();
    await sut.stop();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  it('stores a file streamed in chunks and answers with its id, size, chunk count and sha256', async () => {
    const data = randomBytes(2 * UPLOAD_MAX_CHUNK_BYTES + 12_345);
    const { outcome } = send(client, [info('data.bin', data.length), ...chunksOf(data)]);
    const { status: result, response } = await outcome;
    expect(result.code).toBe(status.OK);
    expect(response).toEqual({
      id: expect.any(String),
      name: 'data.bin',
      size: BigInt(data.length),
      chunks: 3,
      sha256: sha256(data),
      owner: '',
    });
    expect(readFileSync(join(uploadDir, response?.id ?? 'missing', 'data.bin')).equals(data)).toBe(true);
  });

  it.each([
    ['a chunk before info', [chunk(Buffer.from('x'))], 'the first message must be info, describing the file'],
    [
      'a name with a path',
      [info('../../etc/passwd')],
      'info.name "../../etc/passwd" must be a plain file name, without "/" or "\\"',
    ],
    [
      'a size that does not match',
      [info('a', 10), chunk(Buffer.from('abc'))],
      'received 3 bytes but info declared 10',
    ],
    ['info twice', [info('a'), info('a')], 'info must be sent once, as the first message'],
  ])('rejects %s with INVALID_ARGUMENT and stores nothing', async (_case, requests, message) => {
    const before = stored();
    const { outcome } = send(client, requests);
    const { status: result } = await outcome;
    expect({ code: result.code, details: result.details }).toEqual({
      code: status.INVALID_ARGUMENT,
      details: message,
    });
    expect(stored()).toEqual(before);
    await eventually(() => incoming().length === 0, { what: 'the partial file to be removed' });
  });

  it('rejects a file over the limit with RESOURCE_EXHAUSTED and removes what it had written', async () => {
    const { outcome } = send(client, [info('big'), ...chunksOf(Buffer.alloc(9 * UPLOAD_MAX_CHUNK_BYTES))]);
    const { status: result } = await outcome;
    expect(result.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(result.details).toBe(`the file is over the limit of ${8 * UPLOAD_MAX_CHUNK_BYTES} bytes`);
    await eventually(() => incoming().length === 0, { what: 'the partial file to be removed' });
  });

  it('refuses a chunk over 1 MiB with RESOURCE_EXHAUSTED', async () => {
    const { outcome } = send(client, [info('big'), chunk(Buffer.alloc(2 * UPLOAD_MAX_CHUNK_BYTES))]);
    expect((await outcome).status.code).toBe(status.RESOURCE_EXHAUSTED);
    await eventually(() => incoming().length === 0, { what: 'the partial file to be removed' });
  });

  it('leaves nothing behind when the client cancels halfway', async () => {
    const before = stored();
    const metrics = sut.app.get(UploadMetrics);
    const { call, outcome } = send(
      client,
      [info('cancelled.bin'), chunk(Buffer.alloc(1000))],
      deadlineIn(),
      true,
    );
    await eventually(() => incoming().length === 1, { what: 'the upload to begin' });
    call.cancel();
    expect((await outcome).status.code).toBe(status.CANCELLED);
    await eventually(() => incoming().length === 0 && metrics.activeUploads === 0, {
      what: 'the cancelled upload to be removed',
    });
    expect(stored()).toEqual(before);
  });

  it('leaves nothing behind when the deadline passes mid-upload', async () => {
    const { outcome } = send(client, [info('late.bin'), chunk(Buffer.alloc(1000))], deadlineIn(300), true);
    const { status: result } = await outcome;
    expect(result.code).toBe(status.DEADLINE_EXCEEDED);
    await eventually(() => incoming().length === 0, { what: 'the expired upload to be removed' });
  });
});

/** The upload service with `Store` in place of the real store, in a temporary UPLOAD_DIR. */
function uploadsWithStore(Store: typeof LocalUploadStore) {
  const setUp = {
    uploadDir: '',
    sut: undefined as unknown as RunningGrpcService,
    client: undefined as unknown as UploadClient,
  };
  beforeAll(async () => {
    setUp.uploadDir = mkdtempSync(join(tmpdir(), 'quartet-upload-'));
    const config: UploadConfig = {
      server: testServerConfig(),
      ...uploadLimits,
      uploadDir: setUp.uploadDir,
      maxFileBytes: 1024 ** 3,
    };
    @Module({
      controllers: [UploadController],
      providers: [
        { provide: UPLOAD_CONFIG, useValue: config },
        { provide: UploadStore, useFactory: () => new Store(config) },
        UploadMetrics,
        UploadService,
      ],
    })
    class UploadModuleWithStore {}
    setUp.sut = await startUploads(UploadModuleWithStore);
    setUp.client = connect(UploadServiceDefinition, setUp.sut.address);
  });
  afterAll(async () => {
    setUp.client.close();
    await setUp.sut.stop();
    rmSync(setUp.uploadDir, { recursive: true, force: true });
  });
  return setUp;
}

describe('upload when the disk is slower than the client', () => {
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));

  /** A store whose writes wait until the test opens the gate. */
  class GatedStore extends LocalUploadStore {
    override async begin(name: string): Promise<PartialUpload> {
      const file = await super.begin(name);
      const write = file.write.bind(file);
      file.write = async (bytes) => {
        await gate;
        return write(bytes);
      };
      return file;
    }
  }

  const setUp = uploadsWithStore(GatedStore);

  it('pauses the stream and holds at most two chunks, then completes when the disk catches up', async () => {
    const metrics = setUp.sut.app.get(UploadMetrics);
    const data = randomBytes(48 * UPLOAD_MAX_CHUNK_BYTES);
    const { outcome } = send(
      setUp.client,
      [info('slow.bin', data.length), ...chunksOf(data)],
      deadlineIn(60_000),
    );

    await eventually(() => metrics.pausedUploads === 1, { what: 'the upload to be paused' });
    expect(metrics.chunksHeldHighWater).toBeLessThanOrEqual(2);

    openGate();
    const { status: result, response } = await outcome;
    expect(result.code).toBe(status.OK);
    expect(response?.sha256).toBe(sha256(data));
    expect(metrics.chunksHeldHighWater).toBeLessThanOrEqual(2);
  }, 60_000);
});

describe('upload when writing fails unexpectedly', () => {
  class FailingStore extends LocalUploadStore {
    override async begin(name: string): Promise<PartialUpload> {
      const file = await super.begin(name);
      file.write = async () => {
        throw new Error('EIO on /secret/volume');
      };
      return file;
    }
  }

  const setUp = uploadsWithStore(FailingStore);

  it('ends the call with INTERNAL and a generic message, and removes the partial file', async () => {
    const { outcome } = send(setUp.client, [info('doomed.bin'), chunk(Buffer.from('abc'))]);
    const { status: result } = await outcome;
    expect({ code: result.code, details: result.details }).toEqual({
      code: status.INTERNAL,
      details: 'internal error',
    });
    expect(readdirSync(join(setUp.uploadDir, '.incoming'))).toEqual([]);
    expect(readdirSync(setUp.uploadDir)).toEqual(['.incoming']);
  });
});
