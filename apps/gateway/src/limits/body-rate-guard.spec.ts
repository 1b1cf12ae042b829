import { PassThrough } from 'node:stream';
import { guardBodyRate } from './body-rate-guard';

describe(guardBodyRate.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const flowingBody = () => {
    const body = new PassThrough();
    body.on('data', () => undefined);
    return body;
  };

  it('calls a body that brings less than the minimum in a window too slow, once', () => {
    const body = flowingBody();
    const tooSlow = jest.fn();
    guardBodyRate(body, { minBytesPerSecond: 100, windowMs: 1_000 }, tooSlow);
    body.write(Buffer.alloc(99));
    jest.advanceTimersByTime(1_000);
    expect(tooSlow).toHaveBeenCalledWith(99);
    jest.advanceTimersByTime(5_000);
    expect(tooSlow).toHaveBeenCalledTimes(1);
  });

  it('lets a body that keeps the pace go on, window after window', () => {
    const body = flowingBody();
    const tooSlow = jest.fn();
    guardBodyRate(body, { minBytesPerSecond: 100, windowMs: 1_000 }, tooSlow);
    for (let window = 0; window < 5; window += 1) {
      body.write(Buffer.alloc(100));
      jest.advanceTimersByTime(1_000);
    }
    expect(tooSlow).not.toHaveBeenCalled();
  });

  it('does not hold a window in which the gateway paused the body against the sender', () => {
    const body = flowingBody();
    const tooSlow = jest.fn();
    guardBodyRate(body, { minBytesPerSecond: 100, windowMs: 1_000 }, tooSlow);
    body.pause();
    jest.advanceTimersByTime(1_000);
    // The window that began paused is excused too; the first wholly flowing one is not.
    body.resume();
    jest.advanceTimersByTime(1_999);
    expect(tooSlow).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(tooSlow).toHaveBeenCalledWith(0);
  });

  it('stops watching when the body closes', () => {
    const body = flowingBody();
    const tooSlow = jest.fn();
    guardBodyRate(body, { minBytesPerSecond: 100, windowMs: 1_000 }, tooSlow);
    body.destroy();
    return new Promise<void>((resolve) => {
      body.once('close', () => {
        jest.advanceTimersByTime(10_000);
        expect(tooSlow).not.toHaveBeenCalled();
        resolve();
      });
      jest.advanceTimersByTime(0);
    });
  });
});
