// The printed letter (issue 10): A4 with the campaign's letterhead, the date,
// the recipient's postal address, the letter as collective text (compose.ts),
// then the signatories routed to the recipient as a numbered annex (number,
// name, town, country), with page numbers. Streamed from a cursor on a
// connection of its own (src/pdf/streamed-pdf.ts), so 100,000 names take no
// more memory than a hundred (bench/letter-pdf.ts). The organiser's download
// and the PDF attached to a digest or scheduled letter are the same document.
import { pipeline, Transform, Writable } from 'node:stream';
import { checkOut, type Pool } from '../db/pool.ts';
import { translate, type Locale } from '../i18n/index.ts';
import { countryName } from '../signatures/countries.ts';
import { MARGIN, startPdf, writeTable } from '../pdf/streamed-pdf.ts';
import { letterDate, letterFields, renderLetter } from './compose.ts';
import * as repo from './letter-digests.repo.ts';
import type { Letter } from './letters.repo.ts';

export type AnnexLine = { number: string; name: string; town: string; country: string };

export type LetterPdf = {
  letterhead: { name: string; contactEmail: string };
  date: string;
  /** The recipient's name, title, organisation and postal address, a line each. */
  address: string[];
  subject: string;
  body: string;
  annex: { title: string; subtitle: string; headings: AnnexLine };
  pageLabel: string;
};

const COLUMNS = [
  { key: 'number', x: MARGIN, width: 40, align: 'right' },
  { key: 'name', x: MARGIN + 50, width: 190 },
  { key: 'town', x: MARGIN + 250, width: 130 },
  { key: 'country', x: MARGIN + 390, width: 105 },
] as const;

/** Writes the letter and its annex of `rows` to `out`; rejects if `out` closes first. */
export async function writeLetterPdf(out: Writable, meta: LetterPdf, rows: AsyncIterable<AnnexLine>): Promise<void> {
  const pdf = startPdf(out, { title: meta.subject, pageLabel: meta.pageLabel });
  const { doc } = pdf;
  const width = doc.page.width - 2 * MARGIN;
  try {
    // Letterhead.
    doc.font('bold').fontSize(18).text(meta.letterhead.name, MARGIN, MARGIN, { width });
    if (meta.letterhead.contactEmail) doc.font('body').fontSize(9).fillColor('#555').text(meta.letterhead.contactEmail, { width }).fillColor('#000');
    doc.moveTo(MARGIN, doc.y + 6).lineTo(MARGIN + width, doc.y + 6).lineWidth(0.75).stroke();
    // Date on the right, then the address block on the left, as a letter is laid out.
    doc.font('body').fontSize(11).text(meta.date, MARGIN, doc.y + 20, { width, align: 'right' });
    doc.moveDown(1);
    for (const line of meta.address) doc.text(line, MARGIN, doc.y, { width: 300 });
    doc.moveDown(2);
    doc.font('bold').text(meta.subject, MARGIN, doc.y, { width });
    doc.moveDown(1);
    // The letter: pdfkit flows it onto further pages (each gets its number).
    doc.font('body').fontSize(11).text(meta.body, MARGIN, doc.y, { width, paragraphGap: 4, lineGap: 1.5 });
    // The annex starts on a page of its own.
    doc.addPage();
    doc.font('bold').fontSize(14).text(meta.annex.title, MARGIN, MARGIN, { width });
    doc.font('body').fontSize(10).moveDown(0.3).text(meta.annex.subtitle, { width });
    await writeTable(pdf, { columns: COLUMNS, headings: meta.annex.headings, rows, top: doc.y + 10, wrap: true });
  } catch (error) {
    pdf.abandon();
    throw error;
  }
  await pdf.end();
}

/** The text of the printed letter to `recipient`, on `at`, naming `count` signatories. */
export function letterPdfMeta(input: {
  locale: Locale;
  letter: Pick<Letter, 'subject_template' | 'body_template' | 'action_title' | 'personal_paragraph'>;
  recipient: repo.CollectiveRecipient;
  campaign: { name: string; contactEmail: string };
  count: number;
  at: Date;
}): LetterPdf {
  const { locale, letter, recipient, count, at } = input;
  const text = renderLetter(
    { subject: letter.subject_template, body: letter.body_template },
    letterFields({ actionTitle: letter.action_title, recipient, personalParagraph: letter.personal_paragraph, at }),
  );
  const date = letterDate(at, recipient.time_zone);
  const address = [recipient.name, recipient.title, recipient.organisation, ...recipient.postal_address.split(/\r?\n/)].map((l) => l.trim()).filter(Boolean);
  return {
    letterhead: input.campaign,
    date,
    address,
    subject: text.subject,
    body: text.body,
    annex: {
      title: translate(locale, 'letters.pdf.annexTitle'),
      subtitle: count === 1 ? translate(locale, 'letters.pdf.annexSubtitleOne', { date }) : translate(locale, 'letters.pdf.annexSubtitle', { count: count.toLocaleString(locale), date }),
      headings: {
        number: translate(locale, 'letters.pdf.col.number'),
        name: translate(locale, 'letters.pdf.col.name'),
        town: translate(locale, 'letters.pdf.col.town'),
        country: translate(locale, 'letters.pdf.col.country'),
      },
    },
    pageLabel: translate(locale, 'letters.pdf.page'),
  };
}

/** Rows of the cursor as annex lines: numbered from 1, the country's name, "Name withheld" for an anonymised signature (it counts). */
export function annexLines(locale: Locale): Transform {
  const withheld = translate(locale, 'signatures.nameWithheld');
  let n = 0;
  return new Transform({
    objectMode: true,
    transform(row: repo.SignatoryRow, _encoding, callback) {
      n += 1;
      const line: AnnexLine = { number: String(n), name: row.name ?? withheld, town: row.locality, country: countryName(locale, row.country) };
      callback(null, line);
    },
  });
}

/** Whose names the annex holds: everyone routed to the recipient now (a printout), or a delivery's fixed range. */
export type AnnexOf = { printed: { actionId: number; recipientId: number } } | { range: repo.Signatories };

/**
 * Writes the printed letter to `out`, its annex read from a cursor on a
 * connection of its own (never reused: a cursor closed mid-way may leave it
 * mid-message). A reader that leaves stops the cursor.
 */
export async function streamLetterPdf(db: Pool, out: Writable, meta: LetterPdf, annex: AnnexOf, locale: Locale): Promise<void> {
  const { client, done } = await checkOut(db);
  try {
    // One statement from the first name to the last, however slow the reader: the pool's 30 s would cut it short.
    await client.query("SET statement_timeout = '1h'; SET idle_in_transaction_session_timeout = '10min'");
    const rows = 'printed' in annex ? repo.streamPrintedSignatories(client, annex.printed.actionId, annex.printed.recipientId) : repo.streamCollectiveSignatories(client, annex.range);
    const lines = annexLines(locale);
    // pipeline, not pipe: a database error mid-way reaches the loop that writes the PDF.
    pipeline(rows, lines, () => undefined);
    const stop = () => rows.destroy();
    out.once('close', stop);
    try {
      await writeLetterPdf(out, meta, lines);
    } finally {
      out.off('close', stop);
      rows.destroy();
    }
  } finally {
    done(true);
  }
}

/** The PDF grew beyond the cap of an attachment. */
export class PdfTooLarge extends Error {}

/**
 * The same PDF in memory, for an email's attachment. Capped: a message of more
 * than about 10 MB is refused by many servers (and base64 adds a third), so a
 * PDF over `cap` bytes is abandoned and the email says so instead.
 */
export async function letterPdfBuffer(db: Pool, meta: LetterPdf, annex: AnnexOf, locale: Locale, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > cap) {
        tooLarge = true;
        callback(new PdfTooLarge(`the PDF is over ${cap} bytes`));
        return;
      }
      chunks.push(chunk);
      callback();
    },
  });
  sink.on('error', () => undefined);
  try {
    await streamLetterPdf(db, sink, meta, annex, locale);
  } catch (error) {
    if (tooLarge) throw new PdfTooLarge(`the PDF is over ${cap} bytes`);
    throw error;
  }
  if (tooLarge) throw new PdfTooLarge(`the PDF is over ${cap} bytes`);
  return Buffer.concat(chunks);
}
