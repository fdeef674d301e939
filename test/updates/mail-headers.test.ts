// What every update carries on the wire: a DKIM signature (nodemailer's, with
// our list of fields) that verifies against the published key and covers
// List-Unsubscribe-Post, as RFC 8058 asks; and an envelope sender (MAIL FROM,
// where bounces go) apart from the From the supporter sees.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../../src/log.ts';
import { createMailer, loadDkim } from '../../src/mail/mailer.ts';
import { createEmailRenderer } from '../../src/mail/templates.ts';
import { composeUpdateEmail } from '../../src/updates/compose.ts';
import { deriveUnsubscribeKey } from '../../src/updates/unsubscribe-token.ts';

type Raw = { mailFrom: string; rcptTo: string[]; raw: string };

/** An SMTP server that keeps each message as it arrived, with its envelope. */
async function rawServer(): Promise<{ port: number; received: Raw[]; stop: () => Promise<void> }> {
  const received: Raw[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        received.push({ mailFrom: from ? from.address : '', rcptTo: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('latin1') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.server.address() as AddressInfo).port, received, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const TXT = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
// The published key, as DNS would answer for sel2026._domainkey.campaign.example.
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === 'sel2026._domainkey.campaign.example') return [[TXT]];
  throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
};

describe('the headers and signature of an update on the wire', () => {
  let smtp: Awaited<ReturnType<typeof rawServer>>;
  let keyFile: string;
  before(async () => {
    smtp = await rawServer();
    keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'placard-dkim-')), 'dkim.pem');
    fs.writeFileSync(keyFile, PEM, { mode: 0o600 });
  });
  after(() => smtp.stop());

  async function sendUpdate(privateKeySetting: string): Promise<Raw> {
    const mailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      from: 'Free Them <campaign@campaign.example>',
      dataDir: 'data/test-mail',
      log: createLogger('silent'),
      envelopeFrom: 'bounces@campaign.example',
      dkim: { domainName: 'campaign.example', keySelector: 'sel2026', privateKey: privateKeySetting },
    });
    const config = { baseUrl: 'https://campaign.example', mailFrom: 'Free Them <campaign@campaign.example>', mailUnsubscribeAddress: undefined };
    const email = composeUpdateEmail(
      { renderEmail: createEmailRenderer(), config, unsubscribeKey: deriveUnsubscribeKey('k'.repeat(40)) },
      {
        subject: 'Signed and sealed',
        bodyHtml: '<p>News</p>',
        bodyText: 'News',
        to: 'aliya@example.org',
        campaign: { name: 'Free Them', fromName: 'Free Them', contactEmail: 'contact@campaign.example', privacyUrl: 'https://campaign.example/privacy' },
        supporterId: 42,
        consent: { givenAt: new Date('2026-11-02T10:00:00Z'), actionTitle: 'Free them all' },
      },
    );
    const before = smtp.received.length;
    await mailer.send({ ...email, messageId: `<${Date.now()}.${Math.random()}@campaign.example>` });
    mailer.close();
    return smtp.received[before]!;
  }

  for (const [how, setting] of [['PEM text', () => PEM], ['a path to a PEM file', () => keyFile]] as const) {
    it(`signs with DKIM from ${how}, List-Unsubscribe-Post included, and the signature verifies`, async () => {
      const message = await sendUpdate(setting());
      const result = await dkimVerify(Buffer.from(message.raw, 'latin1'), { resolver });
      assert.equal(result.results.length, 1);
      const [signature] = result.results;
      assert.equal(signature!.status.result, 'pass', signature!.info);
      assert.equal(signature!.signingDomain, 'campaign.example');
      const signed = /DKIM-Signature:[\s\S]*?\bh=([^;]+);/i.exec(message.raw)![1]!.replace(/\s+/g, '').toLowerCase().split(':');
      for (const field of ['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post']) assert.ok(signed.includes(field), `h= has ${field}`);

      // A relay that changes the one-click header breaks the signature.
      const tampered = message.raw.replace('List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'List-Unsubscribe-Post: List-Unsubscribe=Two-Clicks');
      assert.notEqual(tampered, message.raw);
      const broken = await dkimVerify(Buffer.from(tampered, 'latin1'), { resolver });
      assert.notEqual(broken.results[0]!.status.result, 'pass');
    });
  }

  it('sends MAIL FROM the envelope sender while From stays the campaign’s', async () => {
    const message = await sendUpdate(PEM);
    assert.equal(message.mailFrom, 'bounces@campaign.example');
    assert.deepEqual(message.rcptTo, ['aliya@example.org']);
    assert.match(message.raw, /^From: Free Them <campaign@campaign\.example>\r$/m);
    assert.match(message.raw.replace(/\r\n[ \t]+/g, ' '), /^List-Unsubscribe: <https:\/\/campaign\.example\/unsubscribe\/42\.[A-Za-z0-9_-]{22}>, <mailto:contact@campaign\.example\?subject=unsubscribe>\r$/m, 'the campaign’s contact when no MAIL_UNSUBSCRIBE_ADDRESS');
  });

  it('stops the boot with a clear message for a key that cannot be read or is no key', () => {
    assert.throws(() => loadDkim({ domainName: 'd', keySelector: 's', privateKey: '/nonexistent/dkim.pem' }), /DKIM_PRIVATE_KEY: neither a PEM key nor a readable file \(ENOENT\)/);
    assert.throws(() => loadDkim({ domainName: 'd', keySelector: 's', privateKey: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----' }), /DKIM_PRIVATE_KEY: not a PEM private key/);
  });
});
