// The delivery log of an action's letter: how many letters are in each state,
// the addresses that bounced, and every delivery newest first, a page at a
// time; and all of it as CSV, streamed from a cursor. Organisers only (mounted
// behind requireOrganiser in src/admin/admin.routes.ts).
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { stringify } from 'csv-stringify';
import { Router, type Request, type Response } from 'express';
import type pg from 'pg';
import type { AppDeps } from '../app.ts';
import { recordAudit } from '../admin/audit.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { checkOut } from '../db/pool.ts';
import { NotFound } from '../errors.ts';
import { BadRequest } from '../http/errors.ts';
import { requireId } from '../http/params.ts';
import { formatDateTime, translate } from '../i18n/index.ts';
import { paths, routes } from '../urls.ts';
import * as repo from './deliveries.repo.ts';
import { getLetter } from './letters.repo.ts';

const PAGE_SIZE = 50;

export const DELIVERY_CSV_COLUMNS = ['id', 'created_at', 'recipient_name', 'email', 'kind', 'state', 'attempts', 'last_error', 'smtp_response', 'message_id', 'sent_at'] as const;

/** ?before=<id>: the page after the one that ended there; absent: the newest. */
function beforeId(req: Request): number | null {
  const raw = req.query.before;
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !/^[1-9]\d{0,15}$/.test(raw)) throw new BadRequest();
  return Number(raw);
}

export function deliveriesAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db, config } = deps;
  const timeZone = config.campaignTimeZone;

  async function requireLetter(id: number) {
    const letter = await getLetter(db, id);
    if (!letter) throw new NotFound();
    return letter;
  }

  async function showDeliveries(req: Request, res: Response) {
    const letter = await requireLetter(requireId(req.params.id));
    const before = beforeId(req);
    const locale = res.locals.locale;
    const [counts, rows, bounced] = await Promise.all([
      repo.deliveryCounts(db, letter.action_id),
      repo.listDeliveries(db, letter.action_id, before, PAGE_SIZE + 1),
      repo.bouncedAddressesOfAction(db, letter.action_id),
    ]);
    const page = rows.slice(0, PAGE_SIZE);
    const at = (d: Date | null) => (d ? formatDateTime(locale, d, timeZone) : '');
    res.render('admin/letters/deliveries', {
      layout: 'admin',
      title: translate(locale, 'admin.deliveries.title', { action: letter.action_title }),
      letter,
      counts: repo.DELIVERY_STATES.map((state) => ({ state, label: translate(locale, `admin.deliveries.state.${state}`), count: counts[state] })),
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      bounced: bounced.map((b) => ({ ...b, since: at(b.health_since) })),
      deliveries: page.map((d) => ({
        ...d,
        stateLabel: translate(locale, `admin.deliveries.state.${d.state}`),
        kindLabel: translate(locale, `admin.deliveries.kind.${d.kind as 'signature' | 'digest' | 'scheduled'}`),
        created: at(d.created_at),
        sent: at(d.sent_at),
        waiting: d.state === 'queued' ? at(d.not_before) : '',
        answer: d.smtp_response || d.last_error,
      })),
      olderUrl: rows.length > PAGE_SIZE ? `${paths.adminActionDeliveries(letter.action_id)}?before=${page[page.length - 1]!.id}` : undefined,
      newestUrl: before !== null ? paths.adminActionDeliveries(letter.action_id) : undefined,
      csvUrl: paths.adminActionDeliveriesCsv(letter.action_id),
      actionUrl: paths.adminAction(letter.action_id),
    });
  }

  async function exportDeliveries(req: Request, res: Response) {
    const letter = await requireLetter(requireId(req.params.id));
    await recordAudit(db, {
      organiserId: organiserOf(res).id,
      event: 'deliveries.export',
      subject: { type: 'action', id: letter.action_id },
      summary: `Exported the delivery log of “${letter.action_title}”`,
      after: { format: 'deliveries.csv', action: letter.action_id },
    });
    const { client, done } = await checkOut(db);
    try {
      // One statement from the first row to the last, however slowly the organiser reads (as the signatures export).
      await client.query("SET statement_timeout = '1h'");
      const slug = letter.action_slug.replace(/[^a-z0-9-]/g, '').slice(0, 80) || `action-${letter.action_id}`;
      res.status(200).set({
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${slug}-deliveries-${new Date().toISOString().slice(0, 10)}.csv"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      const rows = repo.streamDeliveries(client as pg.PoolClient, letter.action_id);
      const instants = new Transform({
        objectMode: true,
        transform(row: Record<string, unknown>, _encoding, callback) {
          callback(null, { ...row, created_at: (row.created_at as Date).toISOString(), sent_at: row.sent_at ? (row.sent_at as Date).toISOString() : '' });
        },
      });
      // A byte-order mark for spreadsheets; a cell starting with = + - @ stays text.
      const csv = stringify({ bom: true, header: true, escape_formulas: true, columns: [...DELIVERY_CSV_COLUMNS] });
      await pipeline(rows, instants, csv, res);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') deps.log.warn({ err: error }, 'delivery log export failed mid-way');
      res.destroy();
    } finally {
      // The connection had its timeout changed: never reused.
      done(true);
    }
  }

  router.get(routes.adminActionDeliveriesCsv, exportDeliveries);
  router.get(routes.adminActionDeliveries, kit.csrf.provideToken, showDeliveries);
  return router;
}
