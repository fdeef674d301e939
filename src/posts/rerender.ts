// Posts are rendered once, when they are written, and served as stored. When
// the rules change (RENDERING_VERSION in markdown.ts) — images only from this
// site, say — the posts written before would keep what the rules now refuse,
// in the feed and on every page. So a start that finds the stored bodies
// rendered with older rules renders every post again. Two instances starting
// together may both do it: the result is the same.
import { loadQueries } from '../db/queries.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { getSetting, setSetting } from '../settings/settings.repo.ts';
import { RENDERING_VERSION, renderMarkdown } from './markdown.ts';

const sql = loadQueries('posts.sql', ['list-posts-to-render', 'set-post-html']);
const SETTING = 'posts.rendering_version';
const BATCH = 200;

/** Renders every post again if they were rendered with older rules; the number of posts whose HTML changed. */
export async function renderPostsWithCurrentRules(db: Pool, log: Logger): Promise<number> {
  if ((await getSetting(db, SETTING)) === RENDERING_VERSION) return 0;
  let changed = 0;
  for (let after = 0; ; ) {
    const { rows } = await db.query<{ id: number; body_markdown: string; body_html: string }>({ ...sql['list-posts-to-render'], values: [after, BATCH] });
    if (rows.length === 0) break;
    for (const post of rows) {
      const html = renderMarkdown(post.body_markdown);
      if (html !== post.body_html) changed += (await db.query({ ...sql['set-post-html'], values: [post.id, html] })).rowCount ?? 0;
    }
    after = rows.at(-1)!.id;
  }
  await setSetting(db, SETTING, RENDERING_VERSION);
  if (changed) log.info({ changed, version: RENDERING_VERSION }, 'posts rendered again with the current rules');
  return changed;
}
