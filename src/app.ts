// createApp(deps): the one place the web app is wired. Tests call it without a
// port; server.ts calls it after the database is ready.
import path from 'node:path';
import express, { type Express, type Request, type Response, type NextFunction } from 'express';
import type { Config } from './config.ts';
import type { Pool } from './db/pool.ts';
import type { Logger } from './log.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { securityHeaders } from './http/security.ts';
import { createViewEngine, VIEWS_DIR } from './http/views.ts';
import { DEFAULT_LOCALE } from './i18n/index.ts';
import { postsRoutes } from './posts/posts.routes.ts';

export type AppDeps = {
  config: Config;
  db: Pool;
  log: Logger;
};

function requestLog(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const entry = { method: req.method, url: req.originalUrl.slice(0, 300), status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 500) log.error(entry, 'request');
      else log.debug(entry, 'request');
    });
    next();
  };
}

export function createApp(deps: AppDeps): Express {
  const { config, db, log } = deps;
  const app = express();
  const views = createViewEngine();

  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'hbs');
  app.set('view cache', true);
  app.engine('hbs', views.render);
  // Query strings are parsed flat: `?page[]=1` is a string, never an object.
  app.set('query parser', 'simple');

  app.use(requestLog(log));
  app.use(securityHeaders());
  app.use((_req, res, next) => {
    res.locals.locale = DEFAULT_LOCALE;
    res.locals.baseUrl = config.baseUrl;
    next();
  });
  app.use('/assets', express.static(path.join(VIEWS_DIR, 'assets'), { maxAge: '1h', index: false }));

  app.get('/healthz', async (_req, res) => {
    try {
      await db.query('SELECT 1');
      res.set('Cache-Control', 'no-store').json({ status: 'ok' });
    } catch {
      res.status(503).set('Cache-Control', 'no-store').json({ status: 'unavailable', database: 'unreachable' });
    }
  });

  app.use(postsRoutes(deps));

  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return app;
}
