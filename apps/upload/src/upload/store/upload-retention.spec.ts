import { Logger } from '@nestjs/common';
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UploadConfig } from '../../config';
import { LocalUploadStore } from './local-upload-store';
import { UploadRetention } from './upload-retention';

const DAY_MS = 86_400_000;

describe(UploadRetention.name, () => {
  let uploadDir: string;
  let store: LocalUploadStore;
  beforeEach(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), 'quartet-retention-'));
    store = new LocalUploadStore({ uploadDir, idleMs: 30_000, minFreeBytes: 0 });
    await store.onModuleInit();
  });
  afterEach(() => rmSync(uploadDir, { recursive: true, force: true }));

  /** Stores a file, then ages it by `ageMs`. */
  async function storedFile(name: string, ageMs: number): Promise<string> {
    const stored = await (await store.begin(name)).commit();
    const then = (Date.now() - ageMs) / 1000;
    utimesSync(join(uploadDir, stored.id, name), then, then);
    return stored.id;
  }
  const stored = () => readdirSync(uploadDir).filter((entry) => entry !== '.incoming');

  it('removes what is older than UPLOAD_RETENTION_DAYS at start, and says how many', async () => {
    const logged = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    await storedFile('old.txt', 8 * DAY_MS);
    const fresh = await storedFile('fresh.txt', 6 * DAY_MS);
    const sut = new UploadRetention({ retentionDays: 7 } as UploadConfig, store);

    sut.onApplicationBootstrap();
    await sut.onApplicationShutdown();
    expect(stored()).toEqual([fresh]);
    expect(logged).toHaveBeenCalledWith({ event: 'retention-swept', removed: 1, days: 7 });
    logged.mockRestore();
  });

  it('keeps everything when UPLOAD_RETENTION_DAYS is 0', async () => {
    const old = await storedFile('old.txt', 3_650 * DAY_MS);
    const sut = new UploadRetention({ retentionDays: 0 } as UploadConfig, store);
    sut.onApplicationBootstrap();
    await sut.onApplicationShutdown();
    expect(stored()).toEqual([old]);
  });
});
