import { Metadata } from '@grpc/grpc-js';
import { connect, deadlineIn, eventually, spawnService } from '@quartet/grpc-testing';
import { UploadServiceDefinition } from '@quartet/proto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a SIGKILL leaves behind, and what the next start of the built service does with it. */
describe('the built upload service, killed mid-upload', () => {
  let uploadDir: string;
  const incoming = () => readdirSync(join(uploadDir, '.incoming'));

  beforeEach(() => {
    uploadDir = mkdtempSync(join(tmpdir(), 'quartet-upload-sweep-'));
  });

  afterEach(() => rmSync(uploadDir, { recursive: true, force: true }));

  it('sweeps the partial file when it starts again', async () => {
    const env = { UPLOAD_DIR: uploadDir, UPLOAD_IDLE_MS: '500', UPLOAD_MIN_FREE_BYTES: '0' };
    const killed = await spawnService('upload', { env });
    const client = connect(UploadServiceDefinition, killed.address);
    const call = client.upload(new Metadata(), deadlineIn(), () => undefined);
    call.write({ payload: { $case: 'info', value: { name: 'interrupted.bin', contentType: '' } } });
    call.write({ payload: { $case: 'chunk', value: Buffer.alloc(64 * 1024, 7) } });
    await eventually(() => incoming().length === 1, { what: 'the upload under way' });
    await killed.stop('SIGKILL');
    client.close();
    expect(incoming()).toHaveLength(1);

    // Older than twice UPLOAD_IDLE_MS, so no live upload of a replica sharing the folder.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const restarted = await spawnService('upload', { env });
    try {
      expect(incoming()).toEqual([]);
      expect(restarted.logged('swept')).not.toHaveLength(0);
    } finally {
      await restarted.stop();
    }
  }, 30_000);
});
