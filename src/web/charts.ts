/**
 * Small inline-SVG charts rendered on the server (pure string building; no library, no CDN).
 * Every text is escaped; an empty data set gives a chart saying so rather than an empty box.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface ChartOptions {
  title: string;
  width?: number;
  height?: number;
  xFormat?: (x: number) => string;
  yFormat?: (y: number) => string;
  /** Fixed y range top (e.g. 1 for rates); default: the data's maximum. */
  yMax?: number;
}

const PALETTE = ["#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7d86", "#6e7781"];
const PAD = { left: 52, right: 12, top: 24, bottom: 34 };
const legendY = (h: number, row: number, rows: number) => h - 4 - (rows - 1 - row) * 14;

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function frame(o: ChartOptions, w: number, h: number, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-label="${esc(o.title)}" xmlns="http://www.w3.org/2000/svg"><title>${esc(o.title)}</title><text x="${PAD.left}" y="15" class="chart-title">${esc(o.title)}</text>${body}</svg>`;
}

function axes(w: number, h: number, yMax: number, yFormat: (y: number) => string): string {
  const x0 = PAD.left;
  const y0 = h - PAD.bottom;
  let s = `<line x1="${x0}" y1="${PAD.top}" x2="${x0}" y2="${y0}" class="axis"/><line x1="${x0}" y1="${y0}" x2="${w - PAD.right}" y2="${y0}" class="axis"/>`;
  for (const f of [0, 0.5, 1]) {
    const y = y0 - f * (y0 - PAD.top);
    s += `<text x="${x0 - 4}" y="${y + 4}" text-anchor="end" class="tick">${esc(yFormat(f * yMax))}</text>`;
    if (f > 0) s += `<line x1="${x0}" y1="${y}" x2="${w - PAD.right}" y2="${y}" class="grid"/>`;
  }
  return s;
}

/**
 * A swatch and the series' name, both in its colour. The colour is on the swatch and the text
 * themselves, not on the group: style.css mutes `.legend` (its fill is inherited only by what has
 * none of its own), and a rule on an element would beat its fill attribute.
 */
function legendEntry(name: string, colour: string, x: number, y: number): string {
  return `<g class="legend" data-series="${esc(name)}"><rect class="legend-swatch" x="${x}" y="${y - 9}" width="10" height="10" rx="2" fill="${colour}"/><text x="${x + 14}" y="${y}" fill="${colour}">${esc(name)}</text></g>`;
}

/** One line per series over a shared x range (e.g. days), dots on each point, a legend below. */
export function lineChart(o: ChartOptions & { series: Series[] }): string {
  const w = o.width ?? 640;
  const legendRows = Math.ceil(o.series.length / 4);
  const h = (o.height ?? 220) + Math.max(0, legendRows - 1) * 14;
  const pts = o.series.flatMap((s) => s.points);
  if (pts.length === 0) return frame(o, w, h, `<text x="${w / 2}" y="${h / 2}" text-anchor="middle" class="tick">no data yet</text>`);
  const xs = pts.map((p) => p.x);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMax = o.yMax ?? Math.max(...pts.map((p) => p.y), 0);
  const top = yMax > 0 ? yMax : 1;
  const yFormat = o.yFormat ?? ((y: number) => String(Math.round(y)));
  const xFormat = o.xFormat ?? ((x: number) => String(x));
  const sx = (x: number) => PAD.left + (xMax === xMin ? 0.5 : (x - xMin) / (xMax - xMin)) * (w - PAD.left - PAD.right);
  const base = h - (legendRows - 1) * 14; // the plot's own height; legend rows sit below it
  const sy = (y: number) => base - PAD.bottom - (y / top) * (base - PAD.top - PAD.bottom);
  let body = axes(w, base, top, yFormat);
  body += `<text x="${PAD.left}" y="${base - PAD.bottom + 14}" class="tick">${esc(xFormat(xMin))}</text>`;
  if (xMax !== xMin) body += `<text x="${w - PAD.right}" y="${base - PAD.bottom + 14}" text-anchor="end" class="tick">${esc(xFormat(xMax))}</text>`;
  o.series.forEach((s, n) => {
    const colour = PALETTE[n % PALETTE.length];
    const line = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
    body += `<g class="series" data-name="${esc(s.name)}"><polyline fill="none" stroke="${colour}" stroke-width="2" points="${line}"/>`;
    for (const p of s.points) {
      body += `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${colour}"><title>${esc(`${s.name} ${xFormat(p.x)}: ${yFormat(p.y)}`)}</title></circle>`;
    }
    body += `</g>${legendEntry(s.name, colour!, PAD.left + (n % 4) * 140, legendY(h, Math.floor(n / 4), legendRows))}`;
  });
  return frame(o, w, h, body);
}

/** One bar per entry (e.g. time in queue per change), labelled below. */
export function barChart(o: ChartOptions & { bars: { label: string; value: number; bad?: boolean }[] }): string {
  const w = o.width ?? 640;
  const h = o.height ?? 220;
  if (o.bars.length === 0) return frame(o, w, h, `<text x="${w / 2}" y="${h / 2}" text-anchor="middle" class="tick">no data yet</text>`);
  const yFormat = o.yFormat ?? ((y: number) => String(Math.round(y)));
  const top = o.yMax ?? (Math.max(...o.bars.map((b) => b.value)) || 1);
  const inner = w - PAD.left - PAD.right;
  const slot = inner / o.bars.length;
  const bw = Math.max(1, slot * 0.7);
  let body = axes(w, h, top, yFormat);
  o.bars.forEach((b, n) => {
    const bh = (Math.max(0, b.value) / top) * (h - PAD.top - PAD.bottom);
    const x = PAD.left + n * slot + (slot - bw) / 2;
    body += `<rect x="${x.toFixed(1)}" y="${(h - PAD.bottom - bh).toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" class="${b.bad ? "bar bad-bar" : "bar"}"><title>${esc(`${b.label}: ${yFormat(b.value)}`)}</title></rect>`;
    if (o.bars.length <= 24) body += `<text x="${(x + bw / 2).toFixed(1)}" y="${h - PAD.bottom + 14}" text-anchor="middle" class="tick">${esc(b.label)}</text>`;
  });
  return frame(o, w, h, body);
}

/** 75 → "1m 15s"; for axis ticks and tooltips. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
