// Charts drawn on the server as inline SVG, so the admin needs no chart
// script and the strict CSP holds: no style attributes and no <style> element
// (style-src 'self'); colours are presentation attributes, which
// views/assets/admin-dashboard.css may override through the classes. Every
// chart names itself (role="img", <title>, aria-labelledby) and its page shows
// the same numbers as a table; every text is escaped here.

/** One bar: `label` is shown under it (some of them) and in its tooltip. */
export type ChartPoint = { key: string; label: string; value: number };

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text and attribute values inside the SVG. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/** An id safe in an attribute and in aria-labelledby (letters, digits, dashes). */
function safeId(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9_-]/g, '-');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `c-${cleaned}`;
}

/** Every key in order, with its count, or 0 for a key that has none (a day without signatures). */
export function fillSeries(keys: readonly { key: string; label: string }[], counts: ReadonlyMap<string, number>): ChartPoint[] {
  return keys.map(({ key, label }) => ({ key, label, value: counts.get(key) ?? 0 }));
}

/** The top of the scale: the maximum rounded up to 1, 2 or 5 times a power of ten (at least 1). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** Numbers as text: one decimal at most, so coordinates stay short. */
const n = (value: number) => String(Math.round(value * 10) / 10);

export type BarChartOptions = {
  /** Unique in the page: the ids of the title and description derive from it. */
  id: string;
  title: string;
  /** One sentence saying what the bars show and where the numbers are as a table. */
  description: string;
  points: readonly ChartPoint[];
  /** Formats a count (for the scale and the tooltips), by the page's locale. */
  formatValue?: (value: number) => string;
  /** How many labels along the bottom at most (the first and the last always). */
  maxLabels?: number;
};

// A narrow drawing: on a 320 px phone (288 px of content) the text is still
// about 9 px; wider screens scale it up (the stylesheet caps the width).
const WIDTH = 360;
const HEIGHT = 190;
const FONT = 11;
const MARGIN = { top: 10, right: 6, bottom: 26 };
/** About the width of a digit at that size. */
const DIGIT_WIDTH = 6.6;

/** A bar per point, on a scale from 0 to a round maximum, as an inline <svg> element. */
export function barChart(options: BarChartOptions): string {
  const { points } = options;
  const format = options.formatValue ?? ((value: number) => String(value));
  const id = safeId(options.id);
  const top = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const scale = (Number.isInteger(top / 2) ? [0, top / 2, top] : [0, top]).map((value) => ({ value, text: format(value) }));
  // Room on the left for the longest number of the scale.
  const left = Math.ceil(Math.max(...scale.map((s) => s.text.length)) * DIGIT_WIDTH + 6);
  const plotWidth = WIDTH - left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const baseline = MARGIN.top + plotHeight;
  const slot = points.length > 0 ? plotWidth / points.length : plotWidth;
  const barWidth = Math.max(0.5, slot * 0.8);
  const parts: string[] = [];

  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet">`,
    `<title id="${id}-title">${escapeXml(options.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(options.description)}</desc>`,
  );
  // The scale: 0, half (when a whole number) and the top, with faint lines across.
  for (const { value, text } of scale) {
    const y = baseline - (value / top) * plotHeight;
    parts.push(
      `<line class="chart-grid" x1="${left}" x2="${WIDTH - MARGIN.right}" y1="${n(y)}" y2="${n(y)}" stroke="#c8c8c8" stroke-width="0.5"/>`,
      `<text class="chart-scale" x="${left - 3}" y="${n(y + 4)}" text-anchor="end" font-size="${FONT}" fill="#555">${escapeXml(text)}</text>`,
    );
  }
  points.forEach((point, i) => {
    const value = Math.max(0, point.value);
    const height = (value / top) * plotHeight;
    const x = left + i * slot + (slot - barWidth) / 2;
    parts.push(
      `<rect class="chart-bar" data-key="${escapeXml(point.key)}" data-value="${value}" x="${n(x)}" y="${n(baseline - height)}" width="${n(barWidth)}" height="${n(height)}" fill="#1d5fa8">` +
        `<title>${escapeXml(`${point.label}: ${format(value)}`)}</title></rect>`,
    );
  });
  // Labels along the bottom: the first, the last, and evenly spaced ones between.
  const count = Math.min(points.length, Math.max(2, options.maxLabels ?? 5));
  const labelled = new Set<number>();
  for (let k = 0; k < count; k++) labelled.add(count === 1 ? 0 : Math.round((k * (points.length - 1)) / (count - 1)));
  for (const i of [...labelled].sort((a, b) => a - b)) {
    const x = left + i * slot + slot / 2;
    const anchor = points.length === 1 ? 'middle' : i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle';
    const tx = anchor === 'start' ? left + i * slot : anchor === 'end' ? left + (i + 1) * slot : x;
    parts.push(`<text class="chart-label" x="${n(tx)}" y="${HEIGHT - 9}" text-anchor="${anchor}" font-size="${FONT}" fill="#555">${escapeXml(points[i]!.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export type SparklineOptions = {
  id: string;
  /** Read out in place of the line: say what it shows, with the numbers. */
  title: string;
  values: readonly number[];
};

const SPARK_WIDTH = 100;
const SPARK_HEIGHT = 24;

/** A small line of values, oldest first, scaled to its own maximum, as an inline <svg> element. */
export function sparkline(options: SparklineOptions): string {
  const id = safeId(options.id);
  const values = options.values.map((v) => Math.max(0, v));
  const top = Math.max(1, ...values);
  const stepX = values.length > 1 ? SPARK_WIDTH / (values.length - 1) : 0;
  const coordinates = values
    .map((value, i) => `${n(values.length > 1 ? i * stepX : SPARK_WIDTH / 2)},${n(SPARK_HEIGHT - 1 - (value / top) * (SPARK_HEIGHT - 2))}`)
    .join(' ');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}" width="100" height="24" preserveAspectRatio="none">` +
    `<title id="${id}-title">${escapeXml(options.title)}</title>` +
    `<polyline class="sparkline-line" points="${coordinates}" fill="none" stroke="#1d5fa8" stroke-width="1.5" vector-effect="non-scaling-stroke"/>` +
    '</svg>'
  );
}
