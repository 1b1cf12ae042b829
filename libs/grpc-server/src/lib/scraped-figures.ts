import { Counter, Gauge, type Registry } from 'prom-client';

interface ScrapedFigure {
  readonly name: string;
  readonly help: string;
  /** The figure now; by label value, for a figure with `label`. */
  readonly read: () => number | Readonly<Record<string, number>>;
  /** The label the keys of `read()` are values of. */
  readonly label?: string;
}

/**
 * A service's own figures (plain numbers its code keeps, cheap on every tick or message) as
 * Prometheus metrics, read when Prometheus scrapes: a gauge for what is true now (open
 * streams), a counter for a running total (ticks produced).
 */
export function scrapedGauge(registry: Registry, figure: ScrapedFigure): void {
  new Gauge({ ...metric(registry, figure), collect: sync });
  function sync(this: Gauge) {
    set(figure, (labels, value) => this.set(labels, value));
  }
}

export function scrapedCounter(registry: Registry, figure: ScrapedFigure): void {
  new Counter({ ...metric(registry, figure), collect: sync });
  function sync(this: Counter) {
    this.reset();
    set(figure, (labels, value) => this.inc(labels, value));
  }
}

function metric(registry: Registry, { name, help, label }: ScrapedFigure) {
  return { name, help, labelNames: label ? [label] : [], registers: [registry] };
}

function set(figure: ScrapedFigure, to: (labels: Record<string, string>, value: number) => void): void {
  const value = figure.read();
  if (typeof value === 'number') return to({}, value);
  for (const [key, count] of Object.entries(value)) to({ [figure.label ?? 'kind']: key }, count);
}
