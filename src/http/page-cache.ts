// The pages a viral campaign is read on (the home page, a post, an action) are
// the same for every visitor: rendered once per interval in each instance, not
// once per request, and marked so that a shared cache in front (a CDN, a proxy)
// may keep them too. They carry no cookie and no per-visitor token for that
// (src/http/csrf.ts); their counts lag by seconds, as count.json's do.
//
// In the process: a page rendered less than `ttlMs` ago is sent again as it
// was, with its ETag (a browser or cache that has it gets a 304). A page older
// than that is rendered again by the next request while the others are still
// sent the old one, for at most `staleMs` more: when a surge meets an expired
// page, one request renders it, not all of them (stale-while-revalidate, as
// the header below asks of shared caches).
//
// Only a 200 that sets no cookie is kept: an error page, a form sent back with
// its mistakes (a POST) or anything for one visitor never is. An organiser's
// change in this instance forgets every page (clear(), wired in src/app.ts);
// other instances show it within `ttlMs`.
//
// A page that depends on more than its address says so (`res.locals.pageVariant`,
// e.g. a protest call's page puts the visitor's country first, from
// Accept-Language): it is kept once per variant, each computed by the route's
// `variant` function, and the handler sends Vary for shared caches.
import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';

export type PageCacheOptions = {
  /** How long a page is sent again as it was (and max-age for shared caches). 0: nothing is kept. */
  ttlMs: number;
  /** How long after that an old page may still be sent while it is rendered again. */
  staleMs?: number;
  /** At most this many pages (and variants) are kept; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
};

export type KeepOptions = {
  /** What the page may depend on besides its address; used only if the page said it does (res.locals.pageVariant). */
  variant?: (req: Request) => string;
};

export type PageCache = {
  /** Middleware for a public GET route whose page is the same for every visitor. */
  keep: (options?: KeepOptions) => RequestHandler;
  /** Forgets every page kept. */
  clear: () => void;
  readonly size: number;
};

type Page = {
  kind: 'page';
  body: Buffer;
  etag: string;
  contentType: string;
  vary: string | undefined;
  renderedAt: number;
  /** A request is rendering it again (its age is past ttlMs). */
  refreshing: boolean;
};

/** A page kept once per variant (the variant's value → the page). */
type Variants = { kind: 'variants'; pages: Map<string, Page> };

const DEFAULT_STALE_MS = 30_000;
const DEFAULT_MAX_ENTRIES = 1_000;

/** The ETag Express would make (weak, length and SHA-1), computed once per render instead of once per response. */
function etagOf(body: Buffer): string {
  return `W/"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64').slice(0, 27)}"`;
}

export function createPageCache(options: PageCacheOptions): PageCache {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs;
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  // What shared caches are told: the same freshness, and the same grace while they fetch it again.
  const cacheControl = `public, max-age=${Math.ceil(ttlMs / 1000)}, stale-while-revalidate=${Math.ceil(staleMs / 1000)}`;
  // By address (path and query as sent). A Map keeps insertion order: the first key is the oldest.
  const kept = new Map<string, Page | Variants>();
  let entries = 0;

  const forget = (url: string) => {
    const entry = kept.get(url);
    if (!entry) return;
    entries -= entry.kind === 'page' ? 1 : entry.pages.size;
    kept.delete(url);
  };
  const makeRoom = () => {
    for (const url of kept.keys()) {
      if (entries < maxEntries) return;
      forget(url);
    }
  };

  function find(req: Request, keepOptions: KeepOptions): Page | undefined {
    const entry = kept.get(req.originalUrl);
    if (entry?.kind !== 'variants') return entry;
    return keepOptions.variant ? entry.pages.get(keepOptions.variant(req)) : undefined;
  }

  function store(req: Request, res: Response, body: Buffer): Page {
    const url = req.originalUrl;
    const variant = res.locals.pageVariant as string | undefined;
    const vary = res.getHeader('vary');
    const page: Page = {
      kind: 'page',
      body,
      etag: etagOf(body),
      contentType: String(res.getHeader('content-type')),
      vary: vary === undefined ? undefined : String(vary),
      renderedAt: now(),
      refreshing: false,
    };
    const entry = kept.get(url);
    if (variant === undefined) {
      forget(url);
      makeRoom();
      kept.set(url, page);
      entries += 1;
    } else {
      let variants = entry?.kind === 'variants' ? entry : undefined;
      if (!variants) {
        forget(url);
        makeRoom();
        variants = { kind: 'variants', pages: new Map() };
        kept.set(url, variants);
      }
      if (!variants.pages.has(variant)) {
        makeRoom();
        entries += 1;
      }
      variants.pages.set(variant, page);
    }
    return page;
  }

  function sendKept(req: Request, res: Response, page: Page) {
    res.setHeader('Content-Type', page.contentType);
    res.setHeader('Cache-Control', cacheControl);
    res.setHeader('ETag', page.etag);
    // How old it already is: a cache in front counts its max-age from the render, not from now.
    res.setHeader('Age', String(Math.max(0, Math.floor((now() - page.renderedAt) / 1000))));
    if (page.vary) res.setHeader('Vary', page.vary);
    // res.send answers a matching If-None-Match with a 304, and a HEAD without the body.
    res.send(page.body);
  }

  /** Lets the handler render, and keeps what it sends if it is a page for everyone. */
  function renderAndKeep(req: Request, res: Response, stale: Page | undefined) {
    const send = res.send;
    res.send = function (this: Response, body?: unknown) {
      res.send = send;
      if (res.statusCode === 200 && typeof body === 'string' && res.getHeader('set-cookie') === undefined) {
        // What res.send would say of a string; sent as a Buffer, it would say application/octet-stream.
        if (!res.getHeader('content-type')) res.setHeader('Content-Type', 'text/html; charset=utf-8');
        const page = store(req, res, Buffer.from(body));
        res.setHeader('Cache-Control', cacheControl);
        res.setHeader('ETag', page.etag);
        return send.call(this, page.body);
      }
      return send.call(this, body);
    } as typeof res.send;
    // Whatever happened (an error page, a closed connection), another request may render it next.
    if (stale) res.on('close', () => (stale.refreshing = false));
  }

  return {
    keep: (keepOptions = {}) => (req, res, next) => {
      if (ttlMs <= 0 || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
      const page = find(req, keepOptions);
      if (page) {
        const age = now() - page.renderedAt;
        if (age < ttlMs || (page.refreshing && age < ttlMs + staleMs)) return sendKept(req, res, page);
        page.refreshing = true;
      }
      renderAndKeep(req, res, page);
      next();
    },
    clear: () => {
      kept.clear();
      entries = 0;
    },
    get size() {
      return entries;
    },
  };
}
