import { apiError, describe } from './api-error';
import { byId, say, servedBy } from './dom';
import { EventStreamParser, type StreamEvent } from './event-stream';

interface Tick {
  readonly seq: number;
  readonly price: number;
}

const SPARK_POINTS = 60;

/**
 * The ticker card: GET /api/ticker/:symbol as Server-Sent Events, read with fetch so that
 * an error before the stream starts shows the gateway's message. Stopping aborts the
 * request; the gateway then cancels the gRPC call.
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

async function watch(symbol: string, intervalMs: string, signal: AbortSignal): Promise<void> {
  const status = byId('ticker-status');
  const prices: number[] = [];
  say(status, `Watching ${symbol}…`);
  try {
    const response = await fetch(
      `/api/ticker/${encodeURIComponent(symbol)}?intervalMs=${encodeURIComponent(intervalMs)}`,
      { signal, headers: { accept: 'text/event-stream' } },
    );
    servedBy(byId('ticker-served-by'), response.headers.get('x-served-by'));
    if (!response.ok || !response.body) {
      return say(status, describe(apiError(response.status, await response.text())), 'bad');
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new EventStreamParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const event of parser.push(value)) show(event, prices, status);
    }
  } catch (error) {
    if (!signal.aborted) say(status, `The stream broke off: ${String(error)}`, 'bad');
  }
}

function show(event: StreamEvent, prices: number[], status: HTMLElement): void {
  if (event.event === 'end') return say(status, 'The stream ended.');
  if (event.event === 'error') return say(status, describe(apiError(0, event.data)), 'bad');
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
