import { PriceWalk, priceAt, symbolProblem } from './price-walk';

describe(PriceWalk.name, () => {
  const walk = (symbol: string, steps: number) => {
    const sut = new PriceWalk(symbol);
    return Array.from({ length: steps }, () => sut.next());
  };

  it('counts seq from 1', () => {
    expect(walk('ACME', 3).map((tick) => tick.seq)).toEqual([1n, 2n, 3n]);
  });

  it('walks the same way for the same symbol, every time', () => {
    expect(walk('ACME', 500)).toEqual(walk('ACME', 500));
    expect(priceAt('ACME', 250)).toBe(walk('ACME', 250).at(-1)?.price);
  });

  it('walks another way for another symbol', () => {
    expect(walk('ACME', 20).map((t) => t.price)).not.toEqual(walk('INIT', 20).map((t) => t.price));
  });

  it('moves at most about 1% a step and stays positive, in cents', () => {
    const prices = walk('BRK.A', 10_000).map((tick) => tick.price);
    prices.reduce((previous, price) => {
      expect(price).toBeGreaterThan(0);
      expect(Math.abs(price - previous)).toBeLessThanOrEqual(previous * 0.0101 + 0.01);
      expect(price * 100).toBeCloseTo(Math.round(price * 100), 6);
      return price;
    });
  });
});

describe(symbolProblem.name, () => {
  it.each(['A', 'ACME', 'BRK.A', '123456789012', 'X.Y.Z'])('accepts %p', (symbol) => {
    expect(symbolProblem(symbol)).toBeUndefined();
  });

  it.each(['', 'acme', 'TOO.LONG.SYMB', 'A B', 'ÄB', 'A-B'])(
    'rejects %p, saying what a symbol is',
    (symbol) => {
      expect(symbolProblem(symbol)).toMatch(/is not 1 to 12 characters of A-Z, 0-9 and "."$/);
    },
  );
});
