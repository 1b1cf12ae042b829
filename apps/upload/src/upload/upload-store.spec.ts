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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UploadConfig } from '../config';
import { UploadStore } from './upload-store';

describe(UploadStore.name, () => {
  let uploadDir: string;
  let sut: UploadStore;
  const config = (overrides: Partial<UploadConfig>) =>
    ({
      uploadDir,
      maxFileBytes: 1024,
      idleMs: 1_000,
      minFreeBytes: 0,
      maxActive: 4,
      ...overrides,
    }) as UploadConfig;

  beforeEach(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), 'quartet-store-'));
    sut = new UploadStore(config({}));
    await sut.onModuleInit();
  });

  afterEach(() => rmSync(uploadDir, { recursive: true, force: true }));

  const visible = () => readdirSync(uploadDir).filter((entry) => entry !== '.incoming');
  const incoming = () => readdirSync(join(uploadDir, '.incoming'));

  it('makes the file appear as <id>/<name> only when committed, with its sha256', async () => {
    const file = await sut.begin();
    await file.write(Buffer.from('hello '));
    await file.write(Buffer.from('world'));
    expect(visible()).toEqual([]);
    expect(incoming()).toHaveLength(1);

    const stored = await file.commit('greeting.txt');
    expect(visible()).toEqual([stored.id]);
    expect(incoming()).toEqual([]);
    expect(readFileSync(join(uploadDir, stored.id, 'greeting.txt'), 'utf8')).toBe('hello world');
    expect(stored).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      size: 11,
      sha256: createHash('sha256').update('hello world').digest('hex'),
    });
  });

  it('leaves nothing behind when aborted', async () => {
    const file = await sut.begin();
    await file.write(Buffer.from('half'));
    await file.abort();
    expect(visible()).toEqual([]);
    expect(incoming()).toEqual([]);
  });

  it('keeps a committed file when aborted afterwards', async () => {
    const file = await sut.begin();
    const stored = await file.commit('empty');
    await file.abort();
    expect(readdirSync(join(uploadDir, stored.id))).toEqual(['empty']);
  });

  it('refuses to commit twice, and removes a stored file on request', async () => {
    const file = await sut.begin();
    const stored = await file.commit('once');
    await expect(file.commit('twice')).rejects.toThrow('cannot commit a file that is done');
    await sut.remove(stored.id);
    expect(visible()).toEqual([]);
  });

  it('stores two files of the same name side by side', async () => {
    const first = await (await sut.begin()).commit('same.txt');
    const second = await (await sut.begin()).commit('same.txt');
    expect(first.id).not.toBe(second.id);
    expect(visible().sort()).toEqual([first.id, second.id].sort());
  });

  it('sweeps partial files a killed process left, and keeps ones still being written', async () => {
    const stale = join(uploadDir, '.incoming', 'killed.part');
    writeFileSync(stale, 'half');
    const old = (Date.now() - 2_001) / 1000;
    utimesSync(stale, old, old);
    const live = await sut.begin();
    await live.write(Buffer.from('still going'));

    expect(await sut.sweepStaleParts()).toBe(1);
    expect(incoming()).toHaveLength(1);
    await live.commit('live.txt');
    expect(incoming()).toEqual([]);
  });

  it('refuses to begin a file when the disk would be left with less than the reserve', async () => {
    const { bavail, bsize } = statfsSync(uploadDir);
    const full = new UploadStore(config({ minFreeBytes: bavail * bsize }));
    await expect(full.begin()).rejects.toMatchObject({
      error: { code: 8, message: expect.stringMatching(/^the upload disk is nearly full: /) },
    });
    expect(incoming()).toEqual([]);
  });

  it('refuses a declared size that does not fit above the reserve', async () => {
    const { bavail, bsize } = statfsSync(uploadDir);
    await expect(sut.begin(bavail * bsize + 1)).rejects.toMatchObject({ error: { code: 8 } });
  });
});
