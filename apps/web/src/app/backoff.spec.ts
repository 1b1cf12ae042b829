import { Backoff } from './backoff';

describe(Backoff.name, () => {
  it('waits longer while failures go on, takes a delay the server asked for, and starts over after a success', () => {
    const sut = new Backoff();
    expect([sut.next(), sut.next(), sut.next(), sut.next(), sut.next(), sut.next()]).toEqual([
      500, 1_000, 2_000, 5_000, 10_000, 10_000,
    ]);
    expect(sut.next(1_000)).toBe(1_000);
    sut.reset();
    expect(sut.next()).toBe(500);
  });
});
