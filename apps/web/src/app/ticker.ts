import { apiError, describe } from './api-error';
import { byId, say, servedBy } from './dom';
import { Backoff, pause } from './backoff';
import { EventStreamParser, type StreamEvent } from './event-stream';

interface Tick {
  readonly seq: number;
  readonly price: number;
}

const SPARK_POINTS = 60;

/**
 * The ticker card: GET /api/ticker/:symbol as Server-Sent Events, read with fetch so that
 * an error before the stream starts shows the gateway's message, and resumed after a break
 * (see watch). Stopping aborts the request; the gateway then cancels the gRPC call.
 */
export function setUpTicker(): void {
  const form = byId<HTMLFormElement>('ticker-form');
  const toggle = byId<HTMLButtonElement>('ticker-toggle');
  const status = byId('ticker-status');
  let running: AbortController | undefined;

  const stopped = () => {
    running = undefined;
    toggle.textContent = 'Watch';
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (running) {
      running.abort();
      say(status, 'Stopped.');
      return stopped();
    }
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    running = new AbortController();
    toggle.textContent = 'Stop';
    const controller = running;
    void watch(field('symbol').toUpperCase(), field('intervalMs') || '0', controller.signal).finally(() => {
      if (running === controller) stopped();
    });
  });
}

/** How one attempt at the stream ended: the page resumes a broken one, not the others. */
type Outcome =
  | { readonly kind: 'ended' | 'refused' }
  | { readonly kind: 'broken'; readonly why: string; readonly retryMs?: number };

/** Gateway answers that mean "not now": a shutdown, a backend gone, a deadline, a full house. */
const RETRYABLE = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'ABORTED']);

/**
 * Watches until stopped. A stream that breaks off (the gateway shutting down, a backend
 * failing, the stream's deadline, the network) is resumed after a pause from the tick after
 * the last one seen, sent as `Last-Event-ID`: the walk is the same on every replica, so the
 * price line goes on with no gap and no tick twice.
 */
async function watch(symbol: string, intervalMs: string, signal: AbortSignal): Promise<void> {
  const status = byId('ticker-status');
  const prices: number[] = [];
  const backoff = new Backoff();
  const parser = new EventStreamParser();
  say(status, `Watching ${symbol}…`);
  while (!signal.aborted) {
    const outcome = await watchOnce(symbol, intervalMs, signal, parser, (event) => {
      backoff.reset();
      show(event, prices);
    });
    if (outcome.kind !== 'broken' || signal.aborted) return;
    const delay = backoff.next(outcome.retryMs);
    const from = parser.lastEventId ? ` from #${Number(parser.lastEventId) + 1}` : '';
    say(status, `${outcome.why}; resuming${from} in ${delay / 1000} s…`, 'bad');
    await pause(delay, signal);
  }
}

async function watchOnce(
  symbol: string,
  intervalMs: string,
  signal: AbortSignal,
  parser: EventStreamParser,
  onTick: (event: StreamEvent) => void,
): Promise<Outcome> {
  const status = byId('ticker-status');
  try {
    const response = await fetch(
      `/api/ticker/${encodeURIComponent(symbol)}?intervalMs=${encodeURIComponent(intervalMs)}`,
      {
        signal,
        headers: {
          accept: 'text/event-stream',
          ...(parser.lastEventId ? { 'last-event-id': parser.lastEventId } : {}),
        },
      },
    );
    servedBy(byId('ticker-served-by'), response.headers.get('x-served-by'));
    if (!response.ok || !response.body) {
      const error = apiError(response.status, await response.text());
      if (RETRYABLE.has(error.code)) return { kind: 'broken', why: describe(error) };
      say(status, describe(error), 'bad');
      return { kind: 'refused' };
    }
    say(status, `Watching ${symbol}…`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { kind: 'broken', why: 'The stream broke off' };
      for (const event of parser.push(value)) {
        if (event.event === 'end') {
          say(status, 'The stream ended.');
          return { kind: 'ended' };
        }
        if (event.event === 'error') {
          const error = apiError(0, event.data);
          if (RETRYABLE.has(error.code))
            return { kind: 'broken', why: describe(error), retryMs: parser.retryMs };
          say(status, describe(error), 'bad');
          return { kind: 'refused' };
        }
        onTick(event);
      }
    }
  } catch (error) {
    return signal.aborted
      ? { kind: 'ended' }
      : { kind: 'broken', why: `The stream broke off: ${String(error)}` };
  }
}

function show(event: StreamEvent, prices: number[]): void {
  const tick = JSON.parse(event.data) as Tick;
  byId('ticker-price').textContent = tick.price.toFixed(2);
  byId('ticker-seq').textContent = `#${tick.seq}`;
  prices.push(tick.price);
  if (prices.length > SPARK_POINTS) prices.shift();
  drawSpark(prices);
}

function drawSpark(prices: readonly number[]): void {
  const low = Math.min(...prices);
  const span = Math.max(...prices) - low || 1;
  const step = 300 / (SPARK_POINTS - 1);
  const points = prices.map(
    (price, i) => `${(i * step).toFixed(1)},${(58 - ((price - low) / span) * 56).toFixed(1)}`,
  );
  byId('ticker-spark').querySelector('polyline')?.setAttribute('points', points.join(' '));
}
