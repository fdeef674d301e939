// The one home of Placard's page addresses. Routes take their patterns from
// `routes`; handlers, views (the `url` helper), emails and the feed build
// addresses with `paths` (and `absolute` where a full URL is needed), so a
// page that moves changes here only.

/** Express route patterns, one per page or form. */
export const routes = {
  home: '/',
  post: '/posts/:slug',
  author: '/authors/:slug',
  tag: '/tags/:slug',
  feed: '/feed.xml',
  action: '/actions/:slug',
  actionSignatures: '/actions/:slug/signatures',
  actionCheckEmail: '/actions/:slug/check-email',
  actionThanks: '/actions/:slug/thanks',
  actionCount: '/actions/:slug/count.json',
  confirm: '/confirm/:token',
  cancel: '/cancel/:token',
} as const;

export type PageName = keyof typeof routes;

// Slugs are checked against /^[a-z0-9-]+$/ before they reach a page, and
// tokens are base64url, but an address is built from them so it is encoded anyway.
const part = (value: string | number) => encodeURIComponent(String(value));

/** Paths on this site, from the domain's identifiers. */
export const paths = {
  home: () => '/',
  post: (slug: string) => `/posts/${part(slug)}`,
  author: (slug: string) => `/authors/${part(slug)}`,
  tag: (slug: string) => `/tags/${part(slug)}`,
  feed: () => '/feed.xml',
  action: (slug: string) => `/actions/${part(slug)}`,
  actionSignatures: (slug: string) => `/actions/${part(slug)}/signatures`,
  actionCheckEmail: (slug: string) => `/actions/${part(slug)}/check-email`,
  actionThanks: (slug: string) => `/actions/${part(slug)}/thanks`,
  actionCount: (slug: string) => `/actions/${part(slug)}/count.json`,
  confirm: (token: string) => `/confirm/${part(token)}`,
  cancel: (token: string) => `/cancel/${part(token)}`,
} satisfies Record<PageName, (...args: never[]) => string>;

/** A full URL on BASE_URL, for emails and the feed. */
export function absolute(baseUrl: string, path: string): string {
  return `${baseUrl}${path}`;
}

/** For the views' `{{url "action" slug}}` helper: a path by page name, or an error naming the bad name. */
export function pathTo(name: string, args: unknown[]): string {
  if (!Object.hasOwn(paths, name)) throw new Error(`Unknown page for url: ${name}`);
  const build = paths[name as PageName] as (...values: unknown[]) => string;
  if (args.some((arg) => typeof arg !== 'string' && typeof arg !== 'number')) throw new Error(`url ${name}: missing or bad argument`);
  return build(...args);
}
