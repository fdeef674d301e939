// The HTTP ceiling for bench/sign.ts: an Express 5 app that answers the same
// requests as Placard's signing path (form body and cookie parsed, token
// compared, 303) and touches no database. Run as its own process with PORT set.
import cookieParser from 'cookie-parser';
import express from 'express';

const TOKEN = 'hello-world-token';
const app = express();
app.disable('x-powered-by');
app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
app.use(cookieParser());

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.get('/actions/:slug', (_req, res) => {
  res.cookie('placard.csrf', TOKEN, { httpOnly: true, sameSite: 'lax', path: '/' });
  res.type('html').send(`<form method="post"><input type="hidden" name="_csrf" value="${TOKEN}"></form>`);
});
app.post('/actions/:slug/signatures', (req, res) => {
  const body = req.body as Record<string, unknown> | undefined;
  const cookies = req.cookies as Record<string, string | undefined>;
  if (body?._csrf !== TOKEN || cookies['placard.csrf'] !== TOKEN || typeof body.email !== 'string') {
    res.status(403).end();
    return;
  }
  res.redirect(303, `/actions/${req.params.slug}/check-email`);
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
