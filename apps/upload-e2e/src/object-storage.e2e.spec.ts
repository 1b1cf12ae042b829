import { Metadata, status } from '@grpc/grpc-js';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { connect, deadlineIn, eventually, outcomeOf, spawnService } from '@quartet/grpc-testing';
import { type S3Server, startS3Server } from '@quartet/processes';
import { type UploadRequest, type UploadResponse, UploadServiceDefinition } from '@quartet/proto';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUCKET = 'quartet-uploads';
const MiB = 1024 * 1024;

const info = (name: string): UploadRequest => ({
  payload: { $case: 'info', value: { name, contentType: '' } },
});
const chunk = (bytes: Buffer): UploadRequest => ({ payload: { $case: 'chunk', value: bytes } });

type UploadClient = ReturnType<typeof connect<typeof UploadServiceDefinition>>;

/** An upload call, and its outcome once it ends. */
function startUpload(client: UploadClient, deadlineMs?: number) {
  let call!: ReturnType<UploadClient['upload']>;
  const outcome = outcomeOf<UploadResponse>(
    (callback) => (call = client.upload(new Metadata(), deadlineIn(deadlineMs), callback)),
  );
  return { call, outcome };
}

/** Sends `mebibytes` chunks of 1 MiB and resolves once the client has handed them all on. */
async function sendMebibytes(call: ReturnType<UploadClient['upload']>, mebibytes: number): Promise<void> {
  for (let i = 0; i < mebibytes; i += 1) {
    await new Promise<void>((resolve) => call.write(chunk(randomBytes(MiB)), () => resolve()));
  }
}

/** The built upload service on an S3-compatible bucket (UPLOAD_BUCKET), with no folder of its own. */
describe('the built upload service on object storage', () => {
  let dir: string;
  let s3: S3Server;
  let bucket: S3Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quartet-upload-bucket-'));
    s3 = await startS3Server({ dir: join(dir, 's3'), buckets: [BUCKET] });
    bucket = s3.client();
  }, 30_000);

  afterAll(async () => {
    bucket?.destroy();
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The service's variables: the bucket, and an UPLOAD_DIR that must stay empty. */
  const env = (extra: Record<string, string> = {}) => ({
    ...s3.env,
    UPLOAD_BUCKET: BUCKET,
    UPLOAD_DIR: join(dir, 'unused-folder'),
    ...extra,
  });

  /** Multipart uploads to a file of `name` that the server has begun and not completed (s3rver keeps each as a folder with a `key` file). */
  const multipartsOf = (name: string) =>
    readdirSync(join(dir, 's3'), { recursive: true, withFileTypes: true }).filter(
      (entry) =>
        entry.isFile() &&
        entry.name === 'key' &&
        readFileSync(join(entry.parentPath, entry.name), 'utf8').endsWith(`/${name}`),
    ).length;

  async function objects(): Promise<string[]> {
    const { Contents } = await bucket.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    return (Contents ?? []).map(({ Key }) => Key ?? '').filter((key) => !key.startsWith('.'));
  }

  it('stores an upload whole as <id>/<name>, and leaves nothing of one killed mid-upload', async () => {
    const service = await spawnService('upload', { env: env() });
    const client = connect(UploadServiceDefinition, service.address);
    try {
      const data = randomBytes(11 * MiB + 5);
      const { call, outcome } = startUpload(client);
      call.write(info('whole.bin'));
      for (let offset = 0; offset < data.length; offset += MiB)
        call.write(chunk(data.subarray(offset, offset + MiB)));
      call.end();
      const { status: result, response } = await outcome;
      expect(result.code).toBe(status.OK);
      expect(response?.sha256).toBe(createHash('sha256').update(data).digest('hex'));
      expect(await objects()).toEqual([`${response?.id}/whole.bin`]);

      // Past the first 5 MiB part: parts are in the store, but no object until a completion.
      const { call: cut } = startUpload(client);
      cut.write(info('cut.bin'));
      await sendMebibytes(cut, 7);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await service.stop('SIGKILL');
      expect(await objects()).toEqual([`${response?.id}/whole.bin`]);
    } finally {
      client.close();
      await service.stop();
    }
  }, 60_000);

  it('aborts an upload the client cancels or lets go idle, leaving no object', async () => {
    const service = await spawnService('upload', { env: env({ UPLOAD_IDLE_MS: '500' }) });
    const client = connect(UploadServiceDefinition, service.address);
    const before = await objects();
    const aborted = () => service.logged('multipart-abort-failed');
    try {
      // Past the first 5 MiB part, so that a multipart upload has begun and must be aborted.
      const { call: cancelled, outcome: cancelledOutcome } = startUpload(client);
      cancelled.write(info('cancelled.bin'));
      await sendMebibytes(cancelled, 7);
      await eventually(() => multipartsOf('cancelled.bin') === 1, { what: 'the multipart upload to begin' });
      cancelled.cancel();
      expect((await cancelledOutcome).status.code).toBe(status.CANCELLED);

      const { call: idle, outcome: idleOutcome } = startUpload(client);
      idle.write(info('idle.bin'));
      await sendMebibytes(idle, 6);
      await eventually(() => multipartsOf('idle.bin') === 1, {
        what: 'the second multipart upload to begin',
      });
      const { status: idleStatus } = await idleOutcome;
      expect({ code: idleStatus.code, details: idleStatus.details }).toEqual({
        code: status.DEADLINE_EXCEEDED,
        details: 'the upload sent nothing for 500 ms (UPLOAD_IDLE_MS)',
      });

      // This server cannot abort a multipart upload; that the service tried is in its log. A
      // cancel reaches the service as the end of the messages first and as a cancel only
      // after: the upload may then be completed, and its object is removed as the cancel lands.
      await eventually(
        () =>
          aborted().some((entry) => String((entry['message'] as { key: string }).key).endsWith('/idle.bin')),
        {
          what: 'the idle upload to be aborted',
        },
      );
      await eventually(async () => (await objects()).length === before.length, {
        what: 'no object to be left',
      });
      expect(await objects()).toEqual(before);
    } finally {
      client.close();
      await service.stop();
    }
  }, 60_000);

  it('answers UNAVAILABLE, naming the store, when it cannot be reached mid-upload', async () => {
    const own = await startS3Server({ dir: join(dir, 'going-away'), buckets: [BUCKET] });
    const service = await spawnService('upload', {
      env: env({ AWS_ENDPOINT_URL_S3: own.endpoint }),
    });
    const client = connect(UploadServiceDefinition, service.address);
    try {
      await own.stop();
      const { call, outcome } = startUpload(client, 30_000);
      call.write(info('nowhere.bin'));
      for (let i = 0; i < 12; i += 1) call.write(chunk(randomBytes(MiB)));
      call.end();
      const { status: result } = await outcome;
      expect(result.code).toBe(status.UNAVAILABLE);
      expect(result.details).toMatch(/^the object store cannot be reached: /);
    } finally {
      client.close();
      await service.stop();
    }
  }, 60_000);

  it('will not start on a bucket that does not exist, and says which', async () => {
    await expect(spawnService('upload', { env: env({ UPLOAD_BUCKET: 'no-such-bucket' }) })).rejects.toThrow(
      /the upload bucket "no-such-bucket" \(UPLOAD_BUCKET\) cannot be used/,
    );
  });
});
