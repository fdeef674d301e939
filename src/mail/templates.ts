// Email templates: every views/emails/<name>.html.hbs with its <name>.text.hbs,
// compiled at boot with their own Handlebars instances (HTML-escaping for the
// HTML part, none for the text part, where escaping would show as &amp;). A
// feature adds an email by adding its two files and an `email.<name>.subject`
// string; nothing here names a feature.
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { isMessageKey, translate, type Locale } from '../i18n/index.ts';
import { registerHelpers, VIEWS_DIR } from '../http/views.ts';

type Compiled = { html: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate };

export type EmailRenderer = (name: string, context: Record<string, unknown> & { locale: Locale }) => {
  subject: string;
  html: string;
  text: string;
};

export function createEmailRenderer(viewsDir = VIEWS_DIR): EmailRenderer {
  const html = Handlebars.create();
  const text = Handlebars.create();
  registerHelpers(html);
  registerHelpers(text);
  const dir = path.join(viewsDir, 'emails');
  const layout = html.compile(fs.readFileSync(path.join(dir, 'layout.html.hbs'), 'utf8'), { strict: false });
  // The text part's frame: the footer every email carries, as the HTML layout's.
  const textLayout = text.compile(fs.readFileSync(path.join(dir, 'layout.text.hbs'), 'utf8'), { strict: false, noEscape: true });
  const templates = new Map<string, Compiled>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.html.hbs') && f !== 'layout.html.hbs')) {
    const name = file.slice(0, -'.html.hbs'.length);
    const textFile = path.join(dir, `${name}.text.hbs`);
    // Every email has both parts, and a subject: a missing one stops the boot.
    if (!fs.existsSync(textFile)) throw new Error(`views/emails/${name}.text.hbs is missing`);
    if (!isMessageKey(`email.${name}.subject`)) throw new Error(`No subject string email.${name}.subject`);
    const htmlSource = fs.readFileSync(path.join(dir, file), 'utf8');
    const textSource = fs.readFileSync(textFile, 'utf8');
    html.precompile(htmlSource);
    text.precompile(textSource);
    templates.set(name, { html: html.compile(htmlSource), text: text.compile(textSource, { noEscape: true }) });
  }
  return (name, context) => {
    const template = templates.get(name);
    if (!template) throw new Error(`No email template ${name}`);
    const subject = translate(context.locale, `email.${name}.subject` as Parameters<typeof translate>[1], context);
    return {
      subject,
      html: layout({ ...context, subject, body: template.html(context) }),
      text: textLayout({ ...context, subject, body: template.text(context) }),
    };
  };
}
