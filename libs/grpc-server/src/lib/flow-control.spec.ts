import { Writable } from 'node:stream';
import { firstValueFrom } from 'rxjs';
import { whenWritable } from './flow-control';

describe(whenWritable.name, () => {
  it('emits at once while the stream has room', async () => {
    const sut = new Writable({ objectMode: true, write: (_m, _e, done) => done() });
    await expect(firstValueFrom(whenWritable(sut))).resolves.toBeUndefined();
  });

  it('emits only after the full stream drains', async () => {
    let release: (() => void) | undefined;
    const sut = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write: (_m, _e, done) => (release = done),
    });
    sut.write('first');
    expect(sut.writableNeedDrain).toBe(true);
    let emitted = false;
    const waiting = firstValueFrom(whenWritable(sut)).then(() => (emitted = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(emitted).toBe(false);
    release?.();
    await waiting;
    expect(emitted).toBe(true);
  });
});
