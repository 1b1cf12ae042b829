import { WindowCounts } from './window-counts';

describe(WindowCounts.name, () => {
  it('counts a key within its window and starts again once the window is over', () => {
    const sut = new WindowCounts(10);
    expect(sut.increment('ann', 1_000, 0)).toEqual({ current: 1, ttl: 1_000 });
    expect(sut.increment('ann', 1_000, 400)).toEqual({ current: 2, ttl: 600 });
    expect(sut.increment('ann', 1_000, 1_000)).toEqual({ current: 1, ttl: 1_000 });
  });

  it('forgets the oldest window first once it holds `capacity` keys', () => {
    const sut = new WindowCounts(2);
    sut.increment('a', 1_000, 0);
    sut.increment('a', 1_000, 0);
    sut.increment('b', 1_000, 0);
    sut.increment('c', 1_000, 0);
    expect(sut.increment('b', 1_000, 1).current).toBe(2);
    expect(sut.increment('a', 1_000, 1).current).toBe(1);
  });
});
