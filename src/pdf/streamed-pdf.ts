// PDFs written as their rows arrive (the list of signatories, the printed
// letter): A4 with DejaVu Sans embedded (subset), so Cyrillic and Kazakh
// (ә, ғ, қ, ң, ө, ұ, ү, һ, і) print as typed; a page number on every page; a
// table that repeats its headings on each page; and writing that waits
// whenever the reader is slower, so a long list never sits in memory whole.
import { once } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';

const require = createRequire(import.meta.url);
const FONT = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');
const FONT_BOLD = path.join(path.dirname(FONT), 'DejaVuSans-Bold.ttf');

export const MARGIN = 50;
// Bytes of PDF waiting for the reader beyond which writing pauses.
const BACKLOG = 256 * 1024;

/** The reader went away (the download was cancelled): the writing stops. */
export class ReaderGone extends Error {}

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

type Written = { data?: object };

/**
 * A page already written (pdfkit ends the last page before it adds the next)
 * is still referenced from the document's list of pages, and with it its
 * dictionary, resources and content objects: a few kilobytes a page, so 2,000
 * pages held 9 MB to the end. That list only prints each one's number ("12 0
 * R"), so their contents are let go.
 */
function forgetPage(page: PDFKit.PDFPage): void {
  const parts = page as unknown as { dictionary?: Written; resources?: Written; content?: Written };
  for (const part of [parts.dictionary, parts.resources, parts.content]) if (part?.data) part.data = {};
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

// The font pdfkit is setting text in: text that flows onto a new page carries
// on in it after the footer is drawn there, so the footer puts it back.
type FontState = { _font: unknown; _fontSize: number };

export type StreamedPdf = {
  doc: PDFKit.PDFDocument;
  /** The page being written, from 1. */
  page: () => number;
  /** Waits while the reader (or the document's own buffer) is behind. */
  keepPace: () => Promise<void>;
  /** Ends the document and waits until `out` has it all. */
  end: () => Promise<void>;
  /** After a failure: stops feeding `out`. */
  abandon: () => void;
};

/**
 * Starts a PDF piped to `out`. Fonts 'body' and 'bold' are registered; every
 * page, however it starts (addPage, or text flowing over), gets
 * `pageLabel` ("Page {page}") at its foot and forgets its layouts.
 */
export function startPdf(out: Writable, meta: { title: string; pageLabel: string }): StreamedPdf {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: meta.title }, compress: true });
  doc.registerFont('body', FONT);
  doc.registerFont('bold', FONT_BOLD);
  doc.pipe(out);
  let page = 1;
  const footer = () => {
    const state = doc as unknown as FontState;
    const saved = { font: state._font, size: state._fontSize, x: doc.x, y: doc.y };
    // Below the bottom margin pdfkit would start a new page: lift it for the footer.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('body').fontSize(8).fillColor('#555')
      .text(meta.pageLabel.replace('{page}', String(page)), MARGIN, doc.page.height - MARGIN + 15, { width: doc.page.width - 2 * MARGIN, align: 'center', lineBreak: false });
    doc.page.margins.bottom = margin;
    doc.fillColor('#000');
    state._font = saved.font;
    state._fontSize = saved.size;
    doc.x = saved.x;
    doc.y = saved.y;
  };
  doc.font('body');
  footer();
  let previous = doc.page;
  doc.on('pageAdded', () => {
    page += 1;
    forgetLayouts(doc);
    // Ended by now, unless pages are buffered (never here: that would keep them all anyway).
    if (!(doc.options as { bufferPages?: boolean }).bufferPages) forgetPage(previous);
    previous = doc.page;
    footer();
  });
  return {
    doc,
    page: () => page,
    async keepPace() {
      // Data waits in the response (the reader is slow) or in the document (the pipe has not run yet).
      while (out.writableNeedDrain || doc.readableLength > BACKLOG) {
        if (out.writableNeedDrain) await drained(out);
        else await new Promise((resolve) => setImmediate(resolve));
      }
      if (out.destroyed) throw new ReaderGone();
    },
    async end() {
      const written = finished(out);
      doc.end();
      await written;
    },
    abandon() {
      doc.unpipe(out);
    },
  };
}

export type Column<K extends string> = { key: K; x: number; width: number; align?: 'left' | 'right' };

export type Table<K extends string> = {
  columns: readonly Column<K>[];
  headings: Record<K, string>;
  rows: AsyncIterable<Record<K, string>>;
  /** Where the first page's headings go. */
  top: number;
  /** A long cell wraps onto more lines (the printed letter), or is cut with an ellipsis (a list). */
  wrap: boolean;
};

const ROW = 15;
const FONT_SIZE = 9.5;

/** Writes the table, a new page (headings again) whenever one is full; returns how many rows it wrote. */
export async function writeTable<K extends string>(pdf: StreamedPdf, table: Table<K>): Promise<number> {
  const { doc } = pdf;
  const bottom = () => doc.page.height - MARGIN - ROW;
  const headings = (y: number) => {
    doc.font('bold').fontSize(FONT_SIZE);
    for (const column of table.columns) doc.text(table.headings[column.key], column.x, y, { width: column.width, height: ROW, ellipsis: true, lineBreak: false, align: column.align ?? 'left' });
    doc.moveTo(MARGIN, y + ROW - 3).lineTo(doc.page.width - MARGIN, y + ROW - 3).lineWidth(0.5).stroke();
    doc.font('body').fontSize(FONT_SIZE);
    return y + ROW + 2;
  };
  /** The row's height: one line, unless a cell is wider than its column and may wrap. */
  const heightOf = (row: Record<K, string>) => {
    if (!table.wrap) return ROW;
    let height = ROW;
    for (const column of table.columns) {
      if (doc.widthOfString(row[column.key]) > column.width) height = Math.max(height, doc.heightOfString(row[column.key], { width: column.width }) + 3);
    }
    return height;
  };
  let y = headings(table.top);
  let written = 0;
  for await (const row of table.rows) {
    const height = heightOf(row);
    if (y + height - ROW > bottom()) {
      doc.addPage();
      y = headings(MARGIN);
    }
    for (const column of table.columns) {
      const options = table.wrap && height > ROW
        ? { width: column.width, align: column.align ?? 'left' }
        : { width: column.width, height: ROW, ellipsis: true, lineBreak: false, align: column.align ?? 'left' };
      doc.text(row[column.key], column.x, y, options);
    }
    y += height;
    written += 1;
    await pdf.keepPace();
  }
  return written;
}
