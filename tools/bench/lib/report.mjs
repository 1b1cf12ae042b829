// The benchmark's report: results.json, a Markdown table and an SVG chart of each path's
// throughput as a share of its anchor's, with its goal marked.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const number = (value, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';
const ms = (micros) => `${number(micros / 1_000, micros < 10_000 ? 2 : 1)} ms`;

/** One side of a row as the table shows it: throughput, latencies, CPU per message, peak RSS. */
function side(result) {
  if (!result) return ['–', '–', '–', '–', '–', '–'];
  const rate =
    result.unit === 'bytes'
      ? `${number(result.perSecond / 1e6, 0)} MB/s`
      : `${number(result.perSecond)} ${result.unit}/s`;
  return [
    rate,
    ms(result.p50Us),
    ms(result.p99Us),
    ms(result.maxUs),
    result.unit === 'bytes'
      ? `${number(result.cpuUsPerUnit * 1024 * 1024, 0)} µs/MiB`
      : `${number(result.cpuUsPerUnit, 1)} µs`,
    `${number(result.peakRssMiB)} MiB (+${number(Math.max(0, result.rssGrowthMiB))})`,
  ];
}

/** How a chat room's join storm went: who joined, and how long the last join took. */
const joins = (result) =>
  result?.joinSeconds === undefined
    ? ''
    : ` (${number(result.joined)} joined in ${number(result.joinSeconds, 1)} s)`;

export function markdownTable(rows) {
  const header = [
    'path',
    'quartet',
    'p50',
    'p99',
    'max',
    'CPU/msg',
    'peak RSS',
    'anchor',
    'anchor',
    'p50',
    'p99',
    'CPU/msg',
    'ratio',
    'goal',
  ];
  const lines = rows.map((row) => {
    const q = side(row.quartet);
    const a = side(row.anchor);
    return [
      row.path,
      ...q,
      row.anchorName,
      a[0],
      a[1],
      a[2],
      a[4],
      Number.isFinite(row.ratio) ? `${row.ratio.toFixed(2)}×` : '–',
      `${row.goal}${row.met === undefined ? '' : row.met ? ' ✔' : ' ✘'}${row.extraPeakMiB === undefined ? '' : ` (+${number(Math.max(0, row.extraPeakMiB))} MiB)`}${joins(row.quartet)}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => String(line[i]).length)));
  const render = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  return [render(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(render)].join(
    '\n',
  );
}

/** Bars of quartet's throughput as a share of its anchor's, 0 to 1.2×, each with a tick at its goal. */
export function svgChart(rows, title) {
  const withRatio = rows.filter((row) => Number.isFinite(row.ratio));
  const barHeight = 26;
  const left = 400;
  const width = 960;
  const scale = (ratio) => left + (Math.min(ratio, 1.2) / 1.2) * (width - left - 60);
  const height = 60 + withRatio.length * (barHeight + 12);
  const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const bars = withRatio.map((row, i) => {
    const y = 44 + i * (barHeight + 12);
    const goal = Number.isFinite(row.goalRatio)
      ? `<line x1="${scale(row.goalRatio)}" x2="${scale(row.goalRatio)}" y1="${y - 4}" y2="${y + barHeight + 4}" stroke="#b00" stroke-width="2"/>`
      : '';
    return [
      `<text x="${left - 10}" y="${y + 17}" text-anchor="end">${escape(row.path)}</text>`,
      `<rect x="${left}" y="${y}" width="${scale(row.ratio) - left}" height="${barHeight}" fill="${row.met === false ? '#e8a33d' : '#3d7be8'}"/>`,
      `<text x="${scale(row.ratio) + 6}" y="${y + 17}">${row.ratio.toFixed(2)}×</text>`,
      goal,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">
<text x="10" y="22" font-size="15" font-weight="bold">${escape(title)}</text>
<line x1="${scale(1)}" x2="${scale(1)}" y1="34" y2="${height - 10}" stroke="#999" stroke-dasharray="4 3"/>
<text x="${scale(1)}" y="${height - 2}" text-anchor="middle" fill="#666">1× the anchor (red tick: the goal)</text>
${bars.join('\n')}
</svg>
`;
}

export function writeReport(dir, report) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  const table = markdownTable(report.rows);
  writeFileSync(
    join(dir, 'results.md'),
    `# quartet benchmark\n\n${report.machine}; ${report.settings}\n\n${table}\n\n${report.notes.map((n) => `- ${n}`).join('\n')}\n`,
  );
  writeFileSync(
    join(dir, 'chart.svg'),
    svgChart(report.rows, `quartet ÷ anchor throughput (${report.machine})`),
  );
  return table;
}
