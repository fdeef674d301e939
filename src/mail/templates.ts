// Email templates: views/emails/<name>.html.hbs and <name>.text.hbs, compiled
// at boot with their own Handlebars instance (HTML-escaping for the HTML part,
// none for the text part, where escaping would show as &amp;).
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { translate, type Locale } from '../i18n/index.ts';
import { registerHelpers, VIEWS_DIR } from '../http/views.ts';

export const EMAIL_TEMPLATES = ['confirm-signature', 'already-signed'] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

type Compiled = { html: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate };

export type EmailRenderer = (name: EmailTemplate, context: Record<string, unknown> & { locale: Locale }) => {
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
  const templates = new Map<EmailTemplate, Compiled>();
  for (const name of EMAIL_TEMPLATES) {
    const htmlSource = fs.readFileSync(path.join(dir, `${name}.html.hbs`), 'utf8');
    const textSource = fs.readFileSync(path.join(dir, `${name}.text.hbs`), 'utf8');
    html.precompile(htmlSource);
    text.precompile(textSource);
    templates.set(name, { html: html.compile(htmlSource), text: text.compile(textSource, { noEscape: true }) });
  }
  return (name, context) => {
    const template = templates.get(name)!;
    const subject = translate(context.locale, `email.${name}.subject`, context as Record<string, unknown>);
    return {
      subject,
      html: layout({ ...context, subject, body: template.html(context) }),
      text: template.text(context),
    };
  };
}
