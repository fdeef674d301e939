// Reading a PDF as a reader would (pdfjs-dist): its text, page by page.
import type { IncomingMessage } from 'node:http';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { Agent } from '../helpers/forms.ts';

export async function pdfText(data: Buffer | Uint8Array): Promise<{ text: string; pages: string[] }> {
  const pdf = await getDocument({ data: new Uint8Array(data), useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const content = await (await pdf.getPage(i)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' ').replace(/\s+/g, ' '));
  }
  return { text: pages.join('\n'), pages };
}

type Parser = Parameters<ReturnType<Agent['get']>['parse']>[0];

/** A supertest parser that keeps the body as bytes. */
export const binary = ((res: IncomingMessage, callback: (error: Error | null, body: unknown) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}) as unknown as Parser;
