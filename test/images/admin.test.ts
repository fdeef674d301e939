// The image library over HTTP, as an organiser's browser uses it (multipart
// upload, no JavaScript) and as a stranger might: without a token, without alt
// text, with a file too big, a file that is no image, two files, a broken body.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import request from 'supertest';
import { MAX_UPLOAD_BYTES } from '../../src/images/images.process.ts';
import { createPost } from '../../src/posts/posts.service.ts';
import { upsertAuthor } from '../../src/posts/posts.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { pngClaiming } from './fixtures.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

async function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 1800, height: 1200, channels: 3, background: '#667788' } })
    .withExif({ IFD0: { Artist: 'Secret Person' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '43/1 14/1 51/1', GPSMapDatum: 'SECRET-SQUARE' } })
    .jpeg()
    .toBuffer();
}

function fieldError(html: string, field: string): string | undefined {
  return new RegExp(`<p class="field-error" id="image-${field}-error">([^<]*)</p>`).exec(html)?.[1];
}

describe('the image library over HTTP', () => {
  let t: TestApp;
  let agent: Agent;

  before(async () => {
    t = await createTestApp();
    agent = (await signIn(t, { role: 'organiser', name: 'Dana' })).agent;
  });
  after(() => t.close());

  async function count(): Promise<number> {
    return (await t.db.pool.query('SELECT count(*)::int AS n FROM images')).rows[0].n;
  }

  it('shows the library with a multipart upload form that needs no JavaScript', async () => {
    const res = await agent.get('/admin/images').expect(200);
    assert.match(res.text, /<form class="image-upload" method="post" action="\/admin\/images" enctype="multipart\/form-data">/);
    assert.match(res.text, /<label for="image-file">/);
    assert.match(res.text, /<input id="image-file" name="file" type="file" required/);
    assert.match(res.text, /<label for="image-alt">/);
    assert.match(res.text, /<input id="image-alt" name="alt" type="text" required maxlength="300"/);
    assert.equal(res.text.match(/<h1>/g)?.length, 1);
    assert.doesNotMatch(res.text, /<script>|style="/);
  });

  it('uploads a photo, strips its GPS data, and shows the Markdown to paste', async () => {
    const token = await csrfToken(agent, '/admin/images');
    const res = await agent.post('/admin/images').field('_csrf', token).field('alt', 'Marchers [at] the square').attach('file', await jpegWithGps(), { filename: 'Митинг.jpg', contentType: 'image/jpeg' }).expect(303);
    const match = /^\/admin\/images\/(\d+)\?done=uploaded$/.exec(res.headers.location ?? '');
    assert.ok(match, res.headers.location);
    const page = await agent.get(res.headers.location!).expect(200);
    assert.match(page.text, /Image uploaded/);
    assert.match(page.text, /Uploaded as Митинг\.jpg, 1800 × 1200 px/);
    const snippet = /value="(!\[[^"]+)"/.exec(page.text)?.[1] ?? '';
    assert.match(snippet, new RegExp(`^!\\[Marchers \\\\\\[at\\\\\\] the square\\]\\(/images/${match[1]}-960-[0-9a-f]{16}\\.webp\\)$`));
    const file = /\((\/images\/[^)]+)\)/.exec(snippet)![1]!;
    const served = await request(t.app).get(file).buffer(true).expect(200).expect('Content-Type', 'image/webp');
    const body = served.body as Buffer;
    assert.equal((await sharp(body).metadata()).exif, undefined);
    assert.ok(!body.includes('SECRET-SQUARE') && !body.includes('Secret Person'));
    // The library lists it with a thumbnail and the same snippet.
    const library = await agent.get('/admin/images').expect(200);
    assert.ok(library.text.includes(`value="${snippet.replace(/"/g, '&quot;')}"`));
    assert.match(library.text, new RegExp(`<img src="/images/${match[1]}-480-`));
  });

  it('refuses an upload without the CSRF token (403), and with someone else’s token', async () => {
    const before = await count();
    await agent.post('/admin/images').field('alt', 'No token').attach('file', await jpegWithGps(), 'a.jpg').expect(403);
    const other = (await signIn(t, { role: 'organiser' })).agent;
    const othersToken = await csrfToken(other, '/admin/images');
    await agent.post('/admin/images').field('_csrf', othersToken).field('alt', 'Stolen token').attach('file', await jpegWithGps(), 'a.jpg').expect(403);
    // A token sent twice is an array, not a token.
    const token = await csrfToken(agent, '/admin/images');
    await agent.post('/admin/images').field('_csrf', token).field('_csrf', token).field('alt', 'Twice').attach('file', await jpegWithGps(), 'a.jpg').expect(403);
    assert.equal(await count(), before);
  });

  it('refuses an upload without alt text (422), keeping what was typed and saying why beside the field', async () => {
    const token = await csrfToken(agent, '/admin/images');
    const before = await count();
    for (const alt of [undefined, '', '    ']) {
      const req = agent.post('/admin/images').field('_csrf', token);
      if (alt !== undefined) req.field('alt', alt);
      const res = await req.attach('file', await jpegWithGps(), 'a.jpg').expect(422);
      assert.equal(fieldError(res.text, 'alt'), 'Please describe the picture.');
      assert.match(res.text, /aria-describedby="image-alt-hint image-alt-error" aria-invalid="true"/);
    }
    const noFile = await agent.post('/admin/images').field('_csrf', token).field('alt', 'Kept text').expect(422);
    assert.equal(fieldError(noFile.text, 'file'), 'Please choose an image file.');
    assert.match(noFile.text, /value="Kept text"/);
    const tooLong = await agent.post('/admin/images').field('_csrf', token).field('alt', 'x'.repeat(301)).attach('file', await jpegWithGps(), 'a.jpg').expect(422);
    assert.equal(fieldError(tooLong.text, 'alt'), 'Please keep the description to 300 characters.');
    assert.equal(await count(), before);
  });

  it('refuses a file over the cap with 413 and a message beside the file field', async () => {
    const token = await csrfToken(agent, '/admin/images');
    const big = Buffer.alloc(MAX_UPLOAD_BYTES + 1024, 0xff);
    const res = await agent.post('/admin/images').field('_csrf', token).field('alt', 'Too big').attach('file', big, 'big.jpg').expect(413);
    assert.match(fieldError(res.text, 'file') ?? '', /too large: images may be up to 10 MB/);
  });

  it('refuses SVG, HTML and PDF renamed .jpg (422), and a truncated photo (422, not 500)', async () => {
    const token = await csrfToken(agent, '/admin/images');
    const photo = await sharp(Buffer.alloc(600 * 400 * 3, 0).map((_, i) => (i * 31) % 256), { raw: { width: 600, height: 400, channels: 3 } }).jpeg().toBuffer();
    for (const [bytes, message] of [
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), /not a JPEG, PNG/],
      [Buffer.from('<!doctype html><script>alert(1)</script>'), /not a JPEG, PNG/],
      [Buffer.from('%PDF-1.7\n%%EOF'), /not a JPEG, PNG/],
      [photo.subarray(0, Math.floor(photo.length / 2)), /could not be read/],
    ] as const) {
      const res = await agent.post('/admin/images').field('_csrf', token).field('alt', 'Disguised').attach('file', bytes, { filename: 'photo.jpg', contentType: 'image/jpeg' }).expect(422);
      assert.match(fieldError(res.text, 'file') ?? '', message);
      assert.match(res.text, /value="Disguised"/);
    }
  });

  it('judges a file by its content: a photo named .svg and declared SVG is taken, a pixel bomb named .png is not', async () => {
    const token = await csrfToken(agent, '/admin/images');
    await agent.post('/admin/images').field('_csrf', token).field('alt', 'Named wrong').attach('file', await jpegWithGps(), { filename: 'drawing.svg', contentType: 'image/svg+xml' }).expect(303);
    const bomb = await agent.post('/admin/images').field('_csrf', token).field('alt', 'Bomb').attach('file', await pngClaiming(40_000, 40_000), { filename: 'small.png', contentType: 'image/png' }).expect(422);
    assert.match(fieldError(bomb.text, 'file') ?? '', /too many pixels/);
  });

  it('refuses two files, an unexpected file field, and a broken multipart body without a 500', async () => {
    const token = await csrfToken(agent, '/admin/images');
    const jpeg = await jpegWithGps();
    const two = await agent.post('/admin/images').field('_csrf', token).field('alt', 'x').attach('file', jpeg, 'a.jpg').attach('file', jpeg, 'b.jpg');
    assert.equal(two.status, 422);
    const other = await agent.post('/admin/images').field('_csrf', token).field('alt', 'x').attach('picture', jpeg, 'a.jpg');
    assert.equal(other.status, 422);
    const broken = await agent
      .post('/admin/images')
      .set('Content-Type', 'multipart/form-data; boundary=xyz')
      .send('--xyz\r\nContent-Disposition: form-data; name="alt"\r\n\r\nhello\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8');
    assert.ok([400, 422].includes(broken.status), `status ${broken.status}`);
    assert.match(fieldError(broken.text, 'file') ?? '', /could not be read/);
  });

  it('edits the alt text, refuses it empty, and 404s for ids that cannot exist', async () => {
    const token = await csrfToken(agent, '/admin/images');
    const created = await agent.post('/admin/images').field('_csrf', token).field('alt', 'First words').attach('file', await jpegWithGps(), 'a.jpg').expect(303);
    const path = created.headers.location!.split('?')[0]!;
    await agent.post(path).type('form').send({ _csrf: token, alt: 'Better words' }).expect(303).expect('Location', `${path}?done=saved`);
    const page = await agent.get(path).expect(200);
    assert.match(page.text, /value="Better words"/);
    const empty = await agent.post(path).type('form').send({ _csrf: token, alt: '' }).expect(422);
    assert.equal(fieldError(empty.text, 'alt'), 'Please describe the picture.');
    await agent.post(path).type('form').send({ alt: 'No token' }).expect(403);
    for (const bad of ['abc', '0', '99999999999999999999', '99999999']) {
      await agent.get(`/admin/images/${bad}`).expect(404);
      await agent.post(`/admin/images/${bad}`).type('form').send({ _csrf: token, alt: 'x' }).expect(404);
    }
  });

  it('deletes an unused image, and refuses one a post shows', async () => {
    const token = await csrfToken(agent, '/admin/images');
    const upload = async (alt: string) => {
      const res = await agent.post('/admin/images').field('_csrf', token).field('alt', alt).attach('file', await jpegWithGps(), 'a.jpg').expect(303);
      return res.headers.location!.split('?')[0]!;
    };
    const used = await upload('Used');
    const unused = await upload('Unused');
    const usedId = used.split('/').at(-1)!;
    const authorId = await upsertAuthor(t.db.pool, { slug: 'editor', name: 'Editor', bio: '' });
    const postId = await createPost(t.db.pool, { slug: 'with-image', title: 'With an image', authorId, status: 'draft', bodyMarkdown: 'x' });
    await t.db.pool.query('UPDATE posts SET featured_image_id = $1 WHERE id = $2', [usedId, postId]);

    const page = await agent.get(used).expect(200);
    assert.match(page.text, /With an image<\/a>\s*\(featured image\)/);
    assert.doesNotMatch(page.text, /name="intent" value="delete"/);
    const refused = await agent.post(used).type('form').send({ _csrf: token, intent: 'delete' }).expect(422);
    assert.match(refused.text, /used by a post/);
    await agent.get(used).expect(200);

    await agent.post(unused).type('form').send({ _csrf: token, intent: 'delete' }).expect(303).expect('Location', '/admin/images?done=deleted');
    await agent.get(unused).expect(404);
  });

  it('refuses the library to a visitor without a session', async () => {
    const res = await request(t.app).get('/admin/images');
    assert.ok([302, 303].includes(res.status), `status ${res.status}`);
    await request(t.app).post('/admin/images').attach('file', Buffer.from('x'), 'a.jpg').expect((r) => assert.ok(r.status === 401 || r.status === 303 || r.status === 403, `status ${r.status}`));
  });
});
