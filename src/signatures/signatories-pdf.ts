// The list of signatories as a PDF to hand to a recipient: a title (the
// action, the date, the count), then name, town, country and date, page after
// page with page numbers. DejaVu Sans is embedded (subset), so Cyrillic and
// Kazakh names (ә, ғ, қ, ң, ө, ұ, ү, һ, і) print as typed. Written as the rows
// arrive and sent as it is written, waiting whenever the reader is slower, so
// a long list never sits in memory whole.
import { once } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';

const require = createRequire(import.meta.url);
const FONT = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');
const FONT_BOLD = path.join(path.dirname(FONT), 'DejaVuSans-Bold.ttf');

export type SignatoryLine = { name: string; town: string; country: string; date: string };

export type SignatoriesPdf = {
  title: string;
  /** "Signatories on 1 December 2026: 1,204" or the like, already in words. */
  subtitle: string;
  headings: { name: string; town: string; country: string; date: string };
  /** "Page {page}" with {page} to fill. */
  pageLabel: string;
};

const MARGIN = 50;
const ROW = 15;
const FONT_SIZE = 9.5;
// Column x positions and widths across an A4 page (595 pt) inside the margins.
const COLUMNS = [
  { key: 'name', x: MARGIN, width: 190 },
  { key: 'town', x: MARGIN + 195, width: 120 },
  { key: 'country', x: MARGIN + 320, width: 110 },
  { key: 'date', x: MARGIN + 435, width: 60 },
] as const;
// Bytes of PDF waiting for the reader beyond which writing pauses.
const BACKLOG = 256 * 1024;

class ReaderGone extends Error {}

/**
 * pdfkit keeps the layout of every distinct word it has set, in each embedded
 * font, for the whole document: a million names would stay in memory to the
 * end. Emptied at each page, the cache still serves what repeats on a page
 * (towns, countries, dates): a list of 15,000 names holds about 5 MB instead of
 * 23; turning the cache off (fontLayoutCache: false) made a 50,000-name list
 * take half as long again. Only pdfkit's own fields are touched,
 * and only if they are there.
 */
function forgetLayouts(doc: PDFKit.PDFDocument): void {
  const fonts = (doc as unknown as { _fontFamilies?: Record<string, { layoutCache?: object }> })._fontFamilies ?? {};
  for (const font of Object.values(fonts)) if (font.layoutCache) font.layoutCache = Object.create(null) as object;
}

/** Waits until `out` can take more, or throws when it has closed (the reader went away). */
async function drained(out: Writable): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new ReaderGone();
  const ac = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: ac.signal }), once(out, 'close', { signal: ac.signal }).then(() => Promise.reject(new ReaderGone()))]);
  } finally {
    ac.abort();
  }
}

/** Writes the PDF of `rows` to `out`; resolves when it is all written, rejects if `out` closes first. */
export async function writeSignatoriesPdf(out: Writable, meta: SignatoriesPdf, rows: AsyncIterable<SignatoryLine>): Promise<void> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: meta.title }, compress: true });
  doc.registerFont('body', FONT);
  doc.registerFont('bold', FONT_BOLD);
  doc.pipe(out);
  let pageNumber = 1;
  const bottom = () => doc.page.height - MARGIN - ROW;

  const footer = () => {
    // Below the bottom margin pdfkit would start a new page: lift it for the footer.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('body').fontSize(8).fillColor('#555')
      .text(meta.pageLabel.replace('{page}', String(pageNumber)), MARGIN, doc.page.height - MARGIN + 15, { width: doc.page.width - 2 * MARGIN, align: 'center', lineBreak: false });
    doc.page.margins.bottom = margin;
    doc.fillColor('#000');
  };
  const headings = (y: number) => {
    doc.font('bold').fontSize(FONT_SIZE);
    for (const column of COLUMNS) doc.text(meta.headings[column.key], column.x, y, { width: column.width, height: ROW, ellipsis: true, lineBreak: false });
    doc.moveTo(MARGIN, y + ROW - 3).lineTo(doc.page.width - MARGIN, y + ROW - 3).lineWidth(0.5).stroke();
    doc.font('body').fontSize(FONT_SIZE);
    return y + ROW + 2;
  };

  doc.font('bold').fontSize(16).text(meta.title, MARGIN, MARGIN, { width: doc.page.width - 2 * MARGIN });
  doc.font('body').fontSize(11).moveDown(0.3).text(meta.subtitle, { width: doc.page.width - 2 * MARGIN });
  let y = headings(doc.y + 12);
  footer();

  try {
    for await (const row of rows) {
      if (y > bottom()) {
        doc.addPage();
        pageNumber += 1;
        forgetLayouts(doc);
        footer();
        y = headings(MARGIN);
      }
      for (const column of COLUMNS) doc.text(row[column.key], column.x, y, { width: column.width, height: ROW, ellipsis: true, lineBreak: false });
      y += ROW;
      // Data waits in the response (the reader is slow) or in the document (the pipe has not run yet).
      while (out.writableNeedDrain || doc.readableLength > BACKLOG) {
        if (out.writableNeedDrain) await drained(out);
        else await new Promise((resolve) => setImmediate(resolve));
      }
      if (out.destroyed) throw new ReaderGone();
    }
  } catch (error) {
    doc.unpipe(out);
    throw error;
  }
  const written = finished(out);
  doc.end();
  await written;
}

export { ReaderGone };
