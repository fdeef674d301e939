// Posts rendered with older rules are rendered again at the next start, so an
// image from another host pasted before the rule cannot stay in a stored body.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { renderPostsWithCurrentRules } from '../../src/posts/rerender.ts';
import { RENDERING_VERSION } from '../../src/posts/markdown.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

describe('rendering posts again when the rules change', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it('renders every post with the current rules once, and leaves the authors\' dates alone', async () => {
    const log = createLogger('silent');
    const author = await db.pool.query<{ id: number }>(`INSERT INTO authors (slug, name) VALUES ('t', 'T') RETURNING id`);
    const { rows } = await db.pool.query<{ id: number; updated_at: Date }>(
      `INSERT INTO posts (slug, title, author_id, body_markdown, body_html, updated_at)
       VALUES ('old', 'Old', $1, 'Before ![a tracker](https://tracker.example/p.gif)', '<p>Before <img src="https://tracker.example/p.gif" alt="a tracker"></p>', '2020-01-01')
       RETURNING id, updated_at`,
      [author.rows[0]!.id],
    );
    assert.equal(await renderPostsWithCurrentRules(db.pool, log), 1);
    const post = await db.pool.query<{ body_html: string; updated_at: Date }>('SELECT body_html, updated_at FROM posts WHERE id = $1', [rows[0]!.id]);
    assert.doesNotMatch(post.rows[0]!.body_html, /tracker\.example/);
    assert.match(post.rows[0]!.body_html, /Before/);
    assert.equal(post.rows[0]!.updated_at.toISOString(), rows[0]!.updated_at.toISOString());
    const version = await db.pool.query(`SELECT value FROM settings WHERE key = 'posts.rendering_version'`);
    assert.equal(version.rows[0].value, RENDERING_VERSION);
    // Done once: the next start does nothing.
    await db.pool.query(`UPDATE posts SET body_html = '<p>as stored</p>'`);
    assert.equal(await renderPostsWithCurrentRules(db.pool, log), 0);
    assert.equal((await db.pool.query('SELECT body_html FROM posts')).rows[0].body_html, '<p>as stored</p>');
  });
});
