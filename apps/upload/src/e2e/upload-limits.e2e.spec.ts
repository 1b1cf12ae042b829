import { Metadata, status } from '@grpc/grpc-js';
import { type RunningGrpcService, startGrpcService } from '@quartet/grpc-server';
import { connect, deadlineIn, eventually, outcomeOf, testServerConfig } from '@quartet/grpc-testing';
import {
  type GrpcClient,
  type UploadResponse,
  UploadServiceDefinition,
  UPLOAD_MAX_CHUNK_BYTES,
} from '@quartet/proto';
import { mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UploadConfig } from '../config';
import { UploadMetrics } from '../upload/upload.metrics';
import { UploadModule } from '../upload/upload.module';

type UploadClient = GrpcClient<typeof UploadServiceDefinition>;

const info = (name: string, size?: number) => ({
  payload: {
    $case: 'info' as const,
    value: { name, contentType: '', size: size === undefined ? undefined : BigInt(size) },
  },
});
const chunk = (bytes: number) => ({ payload: { $case: 'chunk' as const, value: Buffer.alloc(bytes, 7) } });

/** The limits one client can meet at the upload service: time, disk, and uploads at once. */
describe('upload limits', () => {
  let uploadDir: string;
  let sut: RunningGrpcService;
  let client: UploadClient;

  const start = async (limits: Partial<UploadConfig>) => {
    sut = await startGrpcService({
      module: UploadModule.forRoot({
        server: testServerConfig(),
        uploadDir,
        maxFileBytes: 1024 ** 3,
        idleMs: 30_000,
        minFreeBytes: 0,
        maxActive: 32,
        retentionDays: 0,
        ...limits,
      }),
      services: [UploadServiceDefinition],
      config: testServerConfig(),
      maxReceiveMessageBytes: UPLOAD_MAX_CHUNK_BYTES + 1024,
    });
    client = connect(UploadServiceDefinition, sut.address);
  };
  const incoming = () => readdirSync(join(uploadDir, '.incoming'));
  const stored = () => readdirSync(uploadDir).filter((entry) => entry !== '.incoming');

  beforeEach(() => {
    uploadDir = mkdtempSync(join(tmpdir(), 'quartet-upload-limits-'));
  });

  afterEach(async () => {
    client?.close();
    await sut?.stop();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  it('drops an upload that sends nothing for UPLOAD_IDLE_MS, with DEADLINE_EXCEEDED, and keeps nothing', async () => {
    await start({ idleMs: 300 });
    const outcome = await outcomeOf<UploadResponse>((done) => {
      const call = client.upload(new Metadata(), deadlineIn(), done);
      call.write(info('stalled.bin'));
      call.write(chunk(1024));
      return call;
    });
    expect(outcome.status).toMatchObject({
      code: status.DEADLINE_EXCEEDED,
      details: 'the upload sent nothing for 300 ms (UPLOAD_IDLE_MS)',
    });
    await eventually(() => incoming().length === 0, { what: 'the partial file removed' });
    expect(stored()).toEqual([]);
    expect(sut.app.get(UploadMetrics).refusals.idle).toBe(1);
  });

  it('refuses an upload the disk cannot hold above UPLOAD_MIN_FREE_BYTES, before writing a byte', async () => {
    const { bavail, bsize } = statfsSync(tmpdir());
    await start({ minFreeBytes: bavail * bsize - 4 * 1024 * 1024 });
    const outcome = await outcomeOf<UploadResponse>((done) => {
      const call = client.upload(new Metadata(), deadlineIn(), done);
      call.write(info('big.bin', 16 * 1024 * 1024));
      call.end();
      return call;
    });
    expect(outcome.status.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(outcome.status.details).toMatch(
      /^the upload disk is nearly full: \d+ more bytes would leave less than/,
    );
    expect(incoming()).toEqual([]);
    expect(sut.app.get(UploadMetrics).refusals.diskSpace).toBe(1);
  });

  it('runs at most UPLOAD_MAX_ACTIVE uploads at once, and takes the next once one ends', async () => {
    await start({ maxActive: 2 });
    const open = [0, 1].map((i) => {
      const call = client.upload(new Metadata(), deadlineIn(), () => undefined);
      call.write(info(`open-${i}.bin`));
      return call;
    });
    await eventually(() => incoming().length === 2, { what: 'two uploads running' });
    const refused = await outcomeOf<UploadResponse>((done) => {
      const call = client.upload(new Metadata(), deadlineIn(), done);
      call.write(info('third.bin'));
      call.end();
      return call;
    });
    expect(refused.status).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: '2 uploads are running, the most at once; try again shortly',
    });
    expect(sut.app.get(UploadMetrics).refusals.maxActive).toBe(1);
    open[0].end();
    // Stored first, then its slot given back once its cleanup is done: wait for both.
    await eventually(() => stored().length === 1 && sut.app.get(UploadMetrics).activeUploads === 1, {
      what: 'the first upload stored and its slot free',
    });
    const next = await outcomeOf<UploadResponse>((done) => {
      const call = client.upload(new Metadata(), deadlineIn(), done);
      call.write(info('next.bin'));
      call.end();
      return call;
    });
    expect(next.status.code).toBe(status.OK);
    open[1].cancel();
  });
});
