import { PostRate } from './post-rate';

describe('PostRate', () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000;
  });

  it('takes a burst of twice the rate at once, then refuses', () => {
    const rate = new PostRate(5, clock);
    const taken = Array.from({ length: 11 }, () => rate.take());
    expect(taken.filter(Boolean)).toHaveLength(10);
    expect(taken.at(-1)).toBe(false);
  });

  it('refills at the rate, never past the burst', () => {
    const rate = new PostRate(5, clock);
    for (let i = 0; i < 10; i += 1) rate.take();
    now += 200;
    expect([rate.take(), rate.take()]).toEqual([true, false]);
    now += 60_000;
    expect(Array.from({ length: 11 }, () => rate.take()).filter(Boolean)).toHaveLength(10);
  });

  it('holds a steady poster to the rate over time', () => {
    const rate = new PostRate(4, clock);
    let taken = 0;
    // One attempt every 10 ms for 10 s: the burst (8), then 4 a second.
    for (let i = 0; i < 1_000; i += 1) {
      if (rate.take()) taken += 1;
      now += 10;
    }
    expect(taken).toBeGreaterThanOrEqual(8 + 39);
    expect(taken).toBeLessThanOrEqual(8 + 40);
  });
});
