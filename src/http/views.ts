// The Handlebars engine for pages. Every template, partial and layout is
// compiled at boot, so a broken template stops the start instead of a request.
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { DEFAULT_LOCALE, formatDate, formatDateTime, formatNumber, isMessageKey, translate, type Locale } from '../i18n/index.ts';
import { pathTo } from '../urls.ts';

export const VIEWS_DIR = path.resolve(import.meta.dirname, '../../views');

type Template = Handlebars.TemplateDelegate;
type HelperOptions = Handlebars.HelperOptions;

function localeOf(options: HelperOptions): Locale {
  return (options.data?.root?.locale as Locale | undefined) ?? DEFAULT_LOCALE;
}

/** Helpers shared by the page and the mail instances. */
export function registerHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('t', function (key: string, options: HelperOptions) {
    // Templates are checked by the tests that render them; a wrong key fails loudly there.
    if (!isMessageKey(key)) throw new Error(`Missing translation: ${key}`);
    return translate(localeOf(options), key, options.hash);
  });
  hbs.registerHelper('date', function (value: Date | string, options: HelperOptions) {
    return formatDate(localeOf(options), value);
  });
  // {{tWithTime "actions.deadline" date=action.deadline}}: the sentence of `t`, each
  // Date among its values a <time datetime="ISO"> showing date, time and zone in
  // the campaign's time zone (res.locals.timeZone, from CAMPAIGN_TIME_ZONE), so a
  // script could show the visitor's own zone later. Everything else is escaped.
  hbs.registerHelper('tWithTime', function (key: string, options: HelperOptions) {
    if (!isMessageKey(key)) throw new Error(`Missing translation: ${key}`);
    const locale = localeOf(options);
    const vars = options.hash as Record<string, unknown>;
    const timeZone = options.data?.root?.timeZone as string | undefined;
    if (typeof timeZone !== 'string') throw new Error(`tWithTime "${key}": no timeZone in the page's context`);
    const html = translate(locale, key) // its {placeholders} left in place
      .split(/(\{\w+\})/)
      .map((piece) => {
        const name = /^\{(\w+)\}$/.exec(piece)?.[1];
        if (name === undefined || !Object.hasOwn(vars, name)) return hbs.escapeExpression(piece);
        const value = vars[name];
        if (!(value instanceof Date)) return hbs.escapeExpression(String(value));
        return `<time datetime="${value.toISOString()}">${hbs.escapeExpression(formatDateTime(locale, value, timeZone))}</time>`;
      })
      .join('');
    return new hbs.SafeString(html);
  });
  // {{dateTime value}}: date, time and zone in the campaign's time zone, as deadlines are shown.
  hbs.registerHelper('dateTime', function (value: Date | string, options: HelperOptions) {
    const timeZone = options.data?.root?.timeZone as string | undefined;
    return formatDateTime(localeOf(options), value, timeZone ?? 'UTC');
  });
  hbs.registerHelper('isoDate', (value: Date | string) => (value ? new Date(value).toISOString() : ''));
  hbs.registerHelper('number', function (value: number, options: HelperOptions) {
    return formatNumber(localeOf(options), Number(value) || 0);
  });
  // {{url "action" slug}}: a page's path from src/urls.ts, the one home of addresses.
  hbs.registerHelper('url', (name: string, ...args: unknown[]) => pathTo(name, args.slice(0, -1)));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : entry.name.endsWith('.hbs') ? [full] : [];
  });
}

export type ViewEngine = {
  render: (filePath: string, options: object, callback: (error: Error | null, html?: string) => void) => void;
};

export function createViewEngine(viewsDir = VIEWS_DIR): ViewEngine {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  for (const file of walk(path.join(viewsDir, 'partials'))) {
    hbs.registerPartial(path.basename(file, '.hbs'), fs.readFileSync(file, 'utf8'));
  }
  const templates = new Map<string, Template>();
  for (const file of walk(viewsDir)) {
    if (file.includes(`${path.sep}partials${path.sep}`) || file.includes(`${path.sep}emails${path.sep}`)) continue;
    const source = fs.readFileSync(file, 'utf8');
    // Handlebars compiles lazily; precompiling parses now, so a syntax error stops the boot.
    try {
      hbs.precompile(source);
    } catch (error) {
      throw new Error(`Template ${path.relative(viewsDir, file)}: ${(error as Error).message}`);
    }
    templates.set(file, hbs.compile(source));
  }
  // Pages use layouts/main.hbs; a page may name another (`layout: 'admin'`), or none (`layout: false`).
  const layouts = new Map<string, Template>();
  for (const file of walk(path.join(viewsDir, 'layouts'))) layouts.set(path.basename(file, '.hbs'), templates.get(file)!);
  if (!layouts.has('main')) throw new Error('views/layouts/main.hbs is missing');

  return {
    render(filePath, options, callback) {
      const template = templates.get(filePath);
      if (!template) return callback(new Error(`No compiled template for ${filePath}`));
      try {
        const context = options as Record<string, unknown>;
        const body = template(context);
        if (context.layout === false) return callback(null, body);
        const name = typeof context.layout === 'string' ? context.layout : 'main';
        const layout = layouts.get(name);
        if (!layout) return callback(new Error(`No layout views/layouts/${name}.hbs`));
        callback(null, layout({ ...context, body }));
      } catch (error) {
        callback(error as Error);
      }
    },
  };
}
