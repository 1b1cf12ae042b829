import { UPLOAD_MAX_CHUNK_BYTES } from '@quartet/proto';
import { status } from '@grpc/grpc-js';
import type { RpcException } from '@nestjs/microservices';
import type { UploadRequest } from '@quartet/proto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IncomingUpload } from './incoming-upload';
import { LocalUploadStore } from './store/local-upload-store';

const info = (name = 'a.txt', size?: bigint): UploadRequest => ({
  payload: { $case: 'info', value: { name, contentType: 'text/plain', size } },
});
const chunk = (bytes: string | Buffer): UploadRequest => ({
  payload: { $case: 'chunk', value: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes) },
});

describe(IncomingUpload.name, () => {
  let uploadDir: string;
  let store: LocalUploadStore;
  let sut: IncomingUpload;

  beforeEach(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), 'quartet-incoming-'));
    store = new LocalUploadStore({ uploadDir, minFreeBytes: 0, idleMs: 30_000 });
    await store.onModuleInit();
    sut = new IncomingUpload(store, 2 * UPLOAD_MAX_CHUNK_BYTES);
  });

  afterEach(() => rmSync(uploadDir, { recursive: true, force: true }));

  const failure = async (...requests: UploadRequest[]) => {
    try {
      for (const request of requests) await sut.accept(request);
      await sut.finish();
    } catch (error) {
      await sut.discard();
      return (error as RpcException).getError();
    }
    throw new Error('the upload did not fail');
  };
  const leftovers = () => [
    ...readdirSync(uploadDir).filter((entry) => entry !== '.incoming'),
    ...readdirSync(join(uploadDir, '.incoming')),
  ];

  it('stores the chunks in order and reports size, chunk count and digest', async () => {
    await sut.accept(info('a.txt', 6n));
    await sut.accept(chunk('abc'));
    await sut.accept(chunk('def'));
    const response = await sut.finish();
    expect(response).toMatchObject({ name: 'a.txt', size: 6n, chunks: 2 });
    expect(response.sha256).toBe('bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721');
  });

  it('stores an empty file and one whose size was not declared', async () => {
    await sut.accept(info('empty'));
    await expect(sut.finish()).resolves.toMatchObject({ size: 0n, chunks: 0 });
  });

  it.each([
    ['no info first', [chunk('abc')], 'the first message must be info, describing the file'],
    ['info twice', [info(), info()], 'info must be sent once, as the first message'],
    ['a message with nothing in it', [{ payload: undefined }], 'each message must carry info or chunk'],
    ['a path for a name', [info('../x')], 'info.name "../x" must be a plain file name, without "/" or "\\"'],
    [
      'more bytes than declared',
      [info('a', 2n), chunk('abc')],
      'received more than the 2 bytes that info declared',
    ],
    ['fewer bytes than declared', [info('a', 9n), chunk('abc')], 'received 3 bytes but info declared 9'],
    ['no messages at all', [], 'the stream ended before info was sent'],
  ])('rejects %s with INVALID_ARGUMENT, leaving nothing behind', async (_case, requests, message) => {
    await expect(failure(...requests)).resolves.toEqual({ code: status.INVALID_ARGUMENT, message });
    expect(leftovers()).toEqual([]);
  });

  it('rejects a declared size over the limit with RESOURCE_EXHAUSTED before writing', async () => {
    await expect(failure(info('big', 3n * BigInt(UPLOAD_MAX_CHUNK_BYTES)))).resolves.toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: `info declares ${3 * UPLOAD_MAX_CHUNK_BYTES} bytes, over the limit of ${2 * UPLOAD_MAX_CHUNK_BYTES}`,
    });
  });

  it('rejects bytes past the limit with RESOURCE_EXHAUSTED, leaving nothing behind', async () => {
    const full = Buffer.alloc(UPLOAD_MAX_CHUNK_BYTES);
    await expect(failure(info('big'), chunk(full), chunk(full), chunk('x'))).resolves.toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: `the file is over the limit of ${2 * UPLOAD_MAX_CHUNK_BYTES} bytes`,
    });
    expect(leftovers()).toEqual([]);
  });

  it('leaves nothing behind when aborted while the file is still being created', async () => {
    const accepting = sut.accept(info('racing.bin'));
    await sut.discard();
    await accepting;
    expect(leftovers()).toEqual([]);
  });

  it('removes the stored file when discarded while it is being committed', async () => {
    await sut.accept(info('racing.bin'));
    await sut.accept(chunk('abc'));
    const finishing = sut.finish();
    await sut.discard();
    await expect(finishing).resolves.toMatchObject({ size: 3n });
    expect(leftovers()).toEqual([]);
  });

  it('keeps nothing of a file whose commit failed', async () => {
    await sut.accept(info('bad'));
    rmSync(join(uploadDir, '.incoming'), { recursive: true });
    await expect(sut.finish()).rejects.toThrow();
    expect(readdirSync(uploadDir)).toEqual([]);
  });

  it('rejects a chunk over 1 MiB with RESOURCE_EXHAUSTED', async () => {
    await expect(failure(info(), chunk(Buffer.alloc(UPLOAD_MAX_CHUNK_BYTES + 1)))).resolves.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
  });
});
