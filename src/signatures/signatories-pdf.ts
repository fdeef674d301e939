// The list of signatories as a PDF to hand to a recipient: a title (the
// action, the date, the count), then name, town, country and date, page after
// page with page numbers; written as the rows arrive (src/pdf/streamed-pdf.ts),
// so a long list never sits in memory whole.
import type { Writable } from 'node:stream';
import { MARGIN, ReaderGone, startPdf, writeTable } from '../pdf/streamed-pdf.ts';

export type SignatoryLine = { name: string; town: string; country: string; date: string };

export type SignatoriesPdf = {
  title: string;
  /** "Signatories on 1 December 2026: 1,204" or the like, already in words. */
  subtitle: string;
  headings: { name: string; town: string; country: string; date: string };
  /** "Page {page}" with {page} to fill. */
  pageLabel: string;
};

// Column x positions and widths across an A4 page (595 pt) inside the margins.
const COLUMNS = [
  { key: 'name', x: MARGIN, width: 190 },
  { key: 'town', x: MARGIN + 195, width: 120 },
  { key: 'country', x: MARGIN + 320, width: 110 },
  { key: 'date', x: MARGIN + 435, width: 60 },
] as const;

/** Writes the PDF of `rows` to `out`; resolves when it is all written, rejects if `out` closes first. */
export async function writeSignatoriesPdf(out: Writable, meta: SignatoriesPdf, rows: AsyncIterable<SignatoryLine>): Promise<void> {
  const pdf = startPdf(out, { title: meta.title, pageLabel: meta.pageLabel });
  const { doc } = pdf;
  doc.font('bold').fontSize(16).text(meta.title, MARGIN, MARGIN, { width: doc.page.width - 2 * MARGIN });
  doc.font('body').fontSize(11).moveDown(0.3).text(meta.subtitle, { width: doc.page.width - 2 * MARGIN });
  try {
    await writeTable(pdf, { columns: COLUMNS, headings: meta.headings, rows, top: doc.y + 12, wrap: false });
  } catch (error) {
    pdf.abandon();
    throw error;
  }
  await pdf.end();
}

export { ReaderGone };
