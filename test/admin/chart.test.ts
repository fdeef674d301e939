// The dashboard's server-drawn SVG: one bar per period, zeros for empty ones,
// every text escaped, nothing the strict CSP would refuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { barChart, escapeXml, fillSeries, niceMax, sparkline } from '../../src/admin/chart.ts';
import { periodsBetween, unitFor } from '../../src/admin/dashboard.service.ts';

const bars = (svg: string) => [...svg.matchAll(/<rect class="chart-bar" data-key="([^"]*)" data-value="(\d+)"[^>]* height="([\d.]+)"/g)]
  .map((m) => ({ key: m[1], value: Number(m[2]), height: Number(m[3]) }));

describe('bar chart', () => {
  const points = [
    { key: '2026-11-29', label: 'Nov 29', value: 4 },
    { key: '2026-11-30', label: 'Nov 30', value: 0 },
    { key: '2026-12-01', label: 'Dec 1', value: 10 },
  ];

  it('draws one bar per point, in order, its height proportional to its value on a round scale', () => {
    const svg = barChart({ id: 'c', title: 'T', description: 'D', points });
    const drawn = bars(svg);
    assert.deepEqual(drawn.map((b) => [b.key, b.value]), [['2026-11-29', 4], ['2026-11-30', 0], ['2026-12-01', 10]]);
    assert.equal(drawn[1]!.height, 0);
    assert.ok(Math.abs(drawn[0]!.height / drawn[2]!.height - 0.4) < 0.01, 'heights in proportion');
    assert.match(svg, /<title>Dec 1: 10<\/title>/, 'each bar tells its value');
    assert.match(svg, />10<\/text>/, 'the scale tops at 10');
  });

  it('names itself for screen readers and scales to its container', () => {
    const svg = barChart({ id: 'action-7-chart', title: 'Signatures per day', description: 'Numbers below', points });
    assert.match(svg, /^<svg [^>]*role="img"/);
    assert.match(svg, /aria-labelledby="action-7-chart-title action-7-chart-desc"/);
    assert.match(svg, /<title id="action-7-chart-title">Signatures per day<\/title>/);
    assert.match(svg, /<desc id="action-7-chart-desc">Numbers below<\/desc>/);
    assert.match(svg, /viewBox="0 0 \d+ \d+"/);
    assert.match(svg, /width="100%"/);
    assert.doesNotMatch(svg, /height="\d+%?" preserveAspectRatio/, 'no fixed height on the element');
  });

  it('escapes every text: a title, a label, an id', () => {
    const svg = barChart({
      id: '"><script>',
      title: '<script>alert(1)</script> & "quotes"',
      description: "it's <b>",
      points: [{ key: '"x"', label: '<img src=x onerror=alert(1)>', value: 1 }],
    });
    assert.doesNotMatch(svg, /<script|<img|<b>/);
    assert.match(svg, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;quotes&quot;/);
    assert.match(svg, /it&#39;s &lt;b&gt;/);
    assert.match(svg, /data-key="&quot;x&quot;"/);
    assert.match(svg, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(svg, /aria-labelledby="c----script--title c----script--desc"/);
  });

  it('has no style attribute or element, which the CSP (style-src self) refuses, and no script', () => {
    const svg = barChart({ id: 'c', title: 'T', description: 'D', points });
    const spark = sparkline({ id: 's', title: 'T', values: [1, 2, 3] });
    for (const s of [svg, spark]) {
      assert.doesNotMatch(s, /style/i);
      assert.doesNotMatch(s, /<script|\son\w+=/i);
    }
  });

  it('draws an empty series, and an all-zero one, without dividing by zero', () => {
    const empty = barChart({ id: 'c', title: 'T', description: 'D', points: [] });
    assert.equal(bars(empty).length, 0);
    assert.doesNotMatch(empty, /NaN|Infinity/);
    const zeros = barChart({ id: 'c', title: 'T', description: 'D', points: points.map((p) => ({ ...p, value: 0 })) });
    assert.deepEqual(bars(zeros).map((b) => b.height), [0, 0, 0]);
    assert.doesNotMatch(zeros, /NaN|Infinity/);
  });

  it('labels the first and the last bars and a few between, not all thirty', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ key: String(i), label: `d${i}`, value: i }));
    const svg = barChart({ id: 'c', title: 'T', description: 'D', points: many, maxLabels: 6 });
    const labels = [...svg.matchAll(/<text class="chart-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    assert.equal(labels.length, 6);
    assert.equal(labels[0], 'd0');
    assert.equal(labels.at(-1), 'd29');
  });

  it('rounds the scale up to 1, 2 or 5 times a power of ten', () => {
    assert.deepEqual([0, 1, 3, 7, 10, 11, 180, 501, 999_999].map(niceMax), [1, 1, 5, 10, 10, 20, 200, 1000, 1_000_000]);
  });
});

describe('series and periods', () => {
  it('fills periods without signatures with zero', () => {
    const keys = [{ key: 'a', label: 'A' }, { key: 'b', label: 'B' }, { key: 'c', label: 'C' }];
    assert.deepEqual(fillSeries(keys, new Map([['c', 5], ['a', 2], ['z', 9]])).map((p) => p.value), [2, 0, 5]);
  });

  it('lists the campaign time zone’s days, not UTC’s: 23:30 UTC is already the next day in Almaty', () => {
    const start = new Date('2026-11-29T18:59:00Z'); // 23:59 on 29 November in Almaty (UTC+5)
    const end = new Date('2026-12-01T19:30:00Z'); // 00:30 on 2 December there
    assert.deepEqual(periodsBetween(start, end, 'day', 'Asia/Almaty', 'en').map((p) => p.key), ['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
    assert.deepEqual(periodsBetween(start, end, 'day', 'UTC', 'en').map((p) => p.key), ['2026-11-29', '2026-11-30', '2026-12-01']);
  });

  it('counts a day of 23 hours once, across a change to summer time', () => {
    const days = periodsBetween(new Date('2026-03-28T12:00:00Z'), new Date('2026-03-30T12:00:00Z'), 'day', 'Europe/London', 'en');
    assert.deepEqual(days.map((d) => d.key), ['2026-03-28', '2026-03-29', '2026-03-30']);
    assert.equal(days[1]!.label, 'Mar 29');
  });

  it('weeks start on Monday; months on the first', () => {
    const weeks = periodsBetween(new Date('2026-11-04T12:00:00Z'), new Date('2026-11-20T12:00:00Z'), 'week', 'UTC', 'en');
    assert.deepEqual(weeks.map((w) => w.key), ['2026-11-02', '2026-11-09', '2026-11-16']);
    assert.equal(weeks[0]!.longLabel, 'Week of November 2, 2026');
    const months = periodsBetween(new Date('2026-01-31T12:00:00Z'), new Date('2026-03-01T12:00:00Z'), 'month', 'UTC', 'en');
    assert.deepEqual(months.map((m) => m.key), ['2026-01-01', '2026-02-01', '2026-03-01']);
  });

  it('chooses days up to two months, weeks up to two years, months beyond', () => {
    const day = 86_400_000;
    const start = new Date('2020-01-01T00:00:00Z');
    assert.equal(unitFor(start, new Date(start.getTime() + 40 * day)), 'day');
    assert.equal(unitFor(start, new Date(start.getTime() + 200 * day)), 'week');
    assert.equal(unitFor(start, new Date(start.getTime() + 1000 * day)), 'month');
  });
});

describe('sparkline', () => {
  it('draws a point per value, oldest on the left, the highest at the top', () => {
    const svg = sparkline({ id: 'trend-1', title: 'Per day: 0, 5, 10', values: [0, 5, 10] });
    const points = /points="([^"]*)"/.exec(svg)![1]!.split(' ').map((p) => p.split(',').map(Number));
    assert.equal(points.length, 3);
    assert.deepEqual(points.map((p) => p[0]), [0, 50, 100]);
    assert.ok(points[0]![1]! > points[1]![1]! && points[1]![1]! > points[2]![1]!, 'higher values drawn higher');
    assert.match(svg, /role="img" aria-labelledby="trend-1-title"/);
    assert.match(svg, /<title id="trend-1-title">Per day: 0, 5, 10<\/title>/);
  });

  it('escapes its title', () => {
    assert.match(sparkline({ id: 'x', title: '<script>', values: [] }), /<title id="x-title">&lt;script&gt;<\/title>/);
  });

  it('escapes as XML wants', () => {
    assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
