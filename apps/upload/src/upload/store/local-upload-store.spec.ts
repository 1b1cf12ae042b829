import { status } from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskSpace } from './disk-space';
import { LocalUploadStore, type LocalStoreSettings } from './local-upload-store';
import { PartialFile } from './partial-file';

describe(LocalUploadStore.name, () => {
  let uploadDir: string;
  let sut: LocalUploadStore;
  const store = (overrides: Partial<LocalStoreSettings> = {}) =>
    new LocalUploadStore({ uploadDir, idleMs: 1_000, minFreeBytes: 0, ...overrides });

  beforeEach(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), 'quartet-store-'));
    sut = store();
    await sut.onModuleInit();
  });

  afterEach(() => rmSync(uploadDir, { recursive: true, force: true }));

  const visible = () => readdirSync(uploadDir).filter((entry) => entry !== '.incoming');
  const incoming = () => readdirSync(join(uploadDir, '.incoming'));
  /** Sets a path's times `ageMs` into the past. */
  const age = (path: string, ageMs: number) => {
    const then = (Date.now() - ageMs) / 1000;
    utimesSync(path, then, then);
  };

  it('makes the file appear as <id>/<name> only when committed, with its sha256', async () => {
    const file = await sut.begin('greeting.txt');
    await file.write(Buffer.from('hello '));
    await file.write(Buffer.from('world'));
    expect(visible()).toEqual([]);
    expect(incoming()).toHaveLength(1);

    const stored = await file.commit();
    expect(visible()).toEqual([stored.id]);
    expect(incoming()).toEqual([]);
    expect(readFileSync(join(uploadDir, stored.id, 'greeting.txt'), 'utf8')).toBe('hello world');
    expect(stored).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'greeting.txt',
      size: 11,
      sha256: createHash('sha256').update('hello world').digest('hex'),
    });
  });

  it('leaves nothing behind when aborted', async () => {
    const file = await sut.begin('half');
    await file.write(Buffer.from('half'));
    await file.abort();
    expect(visible()).toEqual([]);
    expect(incoming()).toEqual([]);
  });

  it('keeps a committed file when aborted afterwards', async () => {
    const file = await sut.begin('empty');
    const stored = await file.commit();
    await file.abort();
    expect(readdirSync(join(uploadDir, stored.id))).toEqual(['empty']);
  });

  it('refuses to commit twice, and removes a stored file on request', async () => {
    const file = await sut.begin('once');
    const stored = await file.commit();
    await expect(file.commit()).rejects.toThrow('cannot commit a file that is done');
    await sut.remove(stored);
    expect(visible()).toEqual([]);
  });

  it('stores two files of the same name side by side', async () => {
    const first = await (await sut.begin('same.txt')).commit();
    const second = await (await sut.begin('same.txt')).commit();
    expect(first.id).not.toBe(second.id);
    expect(visible().sort()).toEqual([first.id, second.id].sort());
  });

  it('sweeps partial files a killed process left, and keeps ones still being written', async () => {
    const stale = join(uploadDir, '.incoming', 'killed.part');
    writeFileSync(stale, 'half');
    age(stale, 2_001);
    const live = await sut.begin('live.txt');
    await live.write(Buffer.from('still going'));

    expect(await sut.sweepStaleParts()).toBe(1);
    expect(incoming()).toHaveLength(1);
    await live.commit();
    expect(incoming()).toEqual([]);
  });

  it('removes stored files older than the retention, by the age the file system gives them', async () => {
    const old = await (await sut.begin('old.txt')).commit();
    const fresh = await (await sut.begin('fresh.txt')).commit();
    age(join(uploadDir, old.id, 'old.txt'), 3 * 86_400_000);
    age(join(uploadDir, fresh.id, 'fresh.txt'), 86_400_000);
    const partial = await sut.begin('partial.txt');
    await partial.write(Buffer.from('not stored yet'));

    expect(await sut.removeOlderThan(2 * 86_400_000)).toBe(1);
    expect(visible()).toEqual([fresh.id]);
    expect(incoming()).toHaveLength(1);
  });

  it('refuses to begin a file when the disk would be left with less than the reserve', async () => {
    const { bavail, bsize } = statfsSync(uploadDir);
    const full = store({ minFreeBytes: bavail * bsize });
    await expect(full.begin('none')).rejects.toMatchObject({
      error: {
        code: status.RESOURCE_EXHAUSTED,
        message: expect.stringMatching(/^the upload disk is nearly full: /),
      },
    });
    expect(incoming()).toEqual([]);
  });

  it('refuses a declared size that does not fit above the reserve', async () => {
    const { bavail, bsize } = statfsSync(uploadDir);
    await expect(sut.begin('huge', bavail * bsize + 1)).rejects.toMatchObject({
      error: { code: status.RESOURCE_EXHAUSTED },
    });
  });

  it('checks every chunk against the reserve, counting the chunks other uploads are writing', async () => {
    const { bavail, bsize } = statfsSync(uploadDir);
    const chunk = Buffer.alloc(1024 * 1024);
    // Room above the reserve for about one chunk and a half: one write fits, two at once do not.
    const tight = store({ minFreeBytes: bavail * bsize - 1.5 * chunk.length });
    await tight.onModuleInit();
    const [first, second] = await Promise.all([tight.begin('a'), tight.begin('b')]);
    const outcomes = await Promise.allSettled([first.write(chunk), second.write(chunk)]);

    expect(outcomes.map(({ status: outcome }) => outcome).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({
      error: {
        code: status.RESOURCE_EXHAUSTED,
        message: expect.stringMatching(/^the upload disk is nearly full: /),
      },
    });
    await Promise.all([first.abort(), second.abort()]);
  });

  it('refuses a write the disk has no room for with RESOURCE_EXHAUSTED naming ENOSPC', async () => {
    // /dev/full answers every write with ENOSPC, as a full disk does.
    const handle = await open('/dev/full', 'w');
    const file = new PartialFile(
      handle,
      join(uploadDir, 'never'),
      uploadDir,
      'full',
      new DiskSpace(uploadDir, 0),
    );
    await expect(file.write(Buffer.from('no room'))).rejects.toMatchObject({
      error: { code: status.RESOURCE_EXHAUSTED, message: 'the upload disk is full (ENOSPC)' },
    });
    await file.abort();
  });
});
