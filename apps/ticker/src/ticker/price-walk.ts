const SYMBOL = /^[A-Z0-9.]{1,12}$/;
export const MAX_INTERVAL_MS = 60_000;
/** The furthest a stream may resume: reaching it walks every step before it (a few ms). */
export const MAX_FROM_SEQ = 1_000_000;

/** Why a symbol cannot be watched, or undefined when it can. */
export function symbolProblem(symbol: string): string | undefined {
  return SYMBOL.test(symbol)
    ? undefined
    : `symbol ${JSON.stringify(symbol.slice(0, 40))} is not 1 to 12 characters of A-Z, 0-9 and "."`;
}

/**
 * A random walk of prices seeded by the symbol: the same symbol always walks the same way,
 * so the price at a given seq is the same on every replica and in every stream.
 */
export class PriceWalk {
  private seq = 0n;
  private price: number;
  private readonly random: () => number;

  constructor(symbol: string) {
    const seed = fnv1a(symbol);
    this.random = mulberry32(seed);
    this.price = 10 + (seed % 99_000) / 100;
  }

  /** Walks on until the next tick is `seq`, as a stream that resumes there must. */
  skipTo(seq: number): this {
    while (this.seq + 1n < BigInt(seq)) this.next();
    return this;
  }

  next(): { seq: bigint; price: number } {
    this.seq += 1n;
    if (this.seq > 1n) {
      // Each step moves the price by at most 1% up or down, never below one cent.
      this.price = Math.max(0.01, this.price * (1 + (this.random() - 0.5) * 0.02));
    }
    return { seq: this.seq, price: Math.round(this.price * 100) / 100 };
  }
}

/** The price of `symbol` at position `seq` of its walk. */
export function priceAt(symbol: string, seq: number): number {
  const walk = new PriceWalk(symbol);
  let price = 0;
  for (let step = 0; step < seq; step += 1) price = walk.next().price;
  return price;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
