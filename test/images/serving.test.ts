// Public image files and what the public pages do with images: headers that
// let a year of caching happen, 404s for every name that is not a file, the
// featured image and its Open Graph tags, and a CSP that loads images from here only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import request from 'supertest';
import { withTransaction } from '../../src/db/pool.ts';
import { getImageForAdmin, setFeaturedImage, uploadImage } from '../../src/images/images.service.ts';
import { hotVariants } from '../../src/images/variant-cache.ts';
import { createPost } from '../../src/posts/posts.service.ts';
import { upsertAuthor } from '../../src/posts/posts.repo.ts';
import { renderMarkdown } from '../../src/posts/markdown.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('public image files', () => {
  let t: TestApp;
  let imageId: number;
  let file960: string;
  let organiserId: number;

  before(async () => {
    t = await createTestApp();
    const { rows } = await t.db.pool.query<{ id: number }>("INSERT INTO organisers (email, name, role) VALUES ('ed@example.org', 'Ed', 'organiser') RETURNING id");
    organiserId = rows[0]!.id;
    const bytes = await sharp({ create: { width: 2000, height: 1000, channels: 3, background: '#884422' } }).jpeg().toBuffer();
    imageId = await uploadImage(t.db.pool, { bytes, alt: 'A crowd with “banners” & flags', organiserId });
    const { image } = await getImageForAdmin(t.db.pool, String(imageId));
    const v960 = image.variants.find((v) => v.width === 960)!;
    file960 = `${imageId}-960-${v960.hash}.webp`;
  });
  after(() => t.close());

  it('serves a variant from the database as WebP, cacheable for a year, with a strong ETag', async () => {
    const res = await request(t.app).get(`/images/${file960}`).buffer(true).expect(200);
    assert.equal(res.headers['content-type'], 'image/webp');
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(res.headers.etag ?? '', /^"[0-9a-f]{16}"$/);
    assert.equal(res.headers['set-cookie'], undefined);
    const meta = await sharp(res.body as Buffer).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 960, 480]);

    const again = await request(t.app).get(`/images/${file960}`).set('If-None-Match', res.headers.etag!).expect(304);
    assert.equal(again.text, '');
  });

  it('serves the same bytes from its cache, and nothing once the image is deleted', async () => {
    const bytes = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#123456' } }).png().toBuffer();
    const id = await uploadImage(t.db.pool, { bytes, alt: 'Gone soon', organiserId });
    const { image } = await getImageForAdmin(t.db.pool, String(id));
    const path = `/images/${id}-300-${image.variants[0]!.hash}.webp`;
    const first = await request(t.app).get(path).buffer(true).expect(200);
    assert.ok(hotVariants.get(path.slice('/images/'.length)));
    const second = await request(t.app).get(path).buffer(true).expect(200);
    assert.ok((first.body as Buffer).equals(second.body as Buffer));
    const { deleteUnusedImage } = await import('../../src/images/images.service.ts');
    await deleteUnusedImage(t.db.pool, String(id), organiserId);
    await request(t.app).get(path).expect(404);
  });

  it('answers 404, never 500, to names that are not files of ours', async () => {
    const hash = file960.split('-')[2]!.slice(0, 16);
    for (const name of [
      `${imageId}-961-${hash}.webp`, // no such width
      `${imageId}-960-0000000000000000.webp`, // wrong hash
      `${imageId + 1000}-960-${hash}.webp`, // no such image
      `${imageId}-960-${hash}.png`,
      `${imageId}-960-${hash}.WEBP`,
      '99999999999999999999-960-0123456789abcdef.webp', // past bigint
      '0-960-0123456789abcdef.webp',
      'abc',
      '..%2F..%2Fetc%2Fpasswd',
      '%00',
      `${imageId}-960-${hash}.webp%00`,
      `${imageId}-99999-${hash}.webp`,
    ]) {
      const res = await request(t.app).get(`/images/${name}`);
      assert.equal(res.status, 404, name);
    }
    await request(t.app).get('/images/').expect(404);
  });

  it('shows a post’s featured image with srcset, size and alt, and shares it with Open Graph', async () => {
    const authorId = await upsertAuthor(t.db.pool, { slug: 'editor', name: 'Editor', bio: '' });
    const postId = (await createPost(t.db.pool, { slug: 'rally', title: 'Rally “today”', authorId, status: 'published', bodyMarkdown: 'Come along & bring a friend.' }))!;
    const plain = await request(t.app).get('/posts/rally').expect(200);
    assert.doesNotMatch(plain.text, /og:image|post-featured/);
    assert.match(plain.text, /<meta property="og:title" content="Rally &quot;today&quot;">|<meta property="og:title" content="Rally “today”">/);
    assert.match(plain.text, /<meta property="og:url" content="http:\/\/placard\.test\/posts\/rally">/);
    assert.match(plain.text, /<meta property="og:type" content="article">/);

    await withTransaction(t.db.pool, (c) => setFeaturedImage(c, postId, imageId, organiserId));
    const res = await request(t.app).get('/posts/rally').expect(200);
    const img = /<figure class="post-featured">\s*<img ([^>]+)>/.exec(res.text)?.[1] ?? '';
    assert.match(img, new RegExp(`src="/images/${imageId}-960-[0-9a-f]{16}\\.webp"`));
    assert.match(img, new RegExp(`srcset="/images/${imageId}-480-[0-9a-f]{16}\\.webp 480w, /images/${imageId}-960-[0-9a-f]{16}\\.webp 960w, /images/${imageId}-1600-[0-9a-f]{16}\\.webp 1600w"`));
    assert.match(img, /width="960" height="480"/);
    assert.match(img, /alt="A crowd with “banners” &amp; flags"/);
    assert.match(res.text, new RegExp(`<meta property="og:image" content="http://placard\\.test/images/${imageId}-1600-[0-9a-f]{16}\\.webp">`));
    assert.match(res.text, /<meta property="og:image:alt" content="A crowd with “banners” &amp; flags">/);
    assert.match(res.text, /<meta property="og:image:width" content="1600">/);
    assert.match(res.text, /<meta property="og:image:height" content="800">/);
    assert.match(res.text, /<meta property="og:description" content="Come along &amp; bring a friend.">/);
    // Every image the page names is served.
    for (const [, src] of res.text.matchAll(/(\/images\/[^\s"]+\.webp)/g)) await request(t.app).get(src!).expect(200);
  });

  it('lets pages load images from this site (and data: URLs) only', async () => {
    const res = await request(t.app).get('/').expect(200);
    const csp = res.headers['content-security-policy'] ?? '';
    const imgSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('img-src'));
    assert.equal(imgSrc, "img-src 'self' data:");
    assert.doesNotMatch(csp, /https:/);
  });
});

describe('images in post bodies', () => {
  it('keeps an image of this site and drops one from anywhere else, whatever its disguise', () => {
    const ours = renderMarkdown('![A crowd](/images/12-960-0123456789abcdef.webp)');
    assert.match(ours, /<img src="\/images\/12-960-0123456789abcdef\.webp" alt="A crowd" \/>/);
    for (const markdown of [
      '![pixel](https://tracker.example/p.gif)',
      '![pixel](http://tracker.example/p.gif)',
      '![pixel](//tracker.example/p.gif)',
      '<img src="https://tracker.example/p.gif">',
      '<IMG SRC="https://tracker.example/p.gif">',
      '<img src="//tracker.example/p.gif">',
      '<img src="/\\tracker.example/p.gif">',
      '<img src="/&#9;/tracker.example/p.gif">',
      '<img src="/\n/tracker.example/p.gif">',
      '<img src=" //tracker.example/p.gif">',
      '<img src="&#x2f;&#x2f;tracker.example/p.gif">',
      '<img src="data:image/svg+xml;base64,PHN2Zy8+">',
      '<img src="javascript:alert(1)">',
      '<img srcset="https://tracker.example/p.gif 1x" src="/ok.png">',
      '<img alt="no source">',
    ]) {
      const html = renderMarkdown(markdown);
      assert.doesNotMatch(html, /tracker\.example|data:|javascript:|srcset/, `${markdown} → ${html}`);
      if (!markdown.includes('src="/ok.png"')) assert.doesNotMatch(html, /<img/, `${markdown} → ${html}`);
    }
    // An image's event handlers go, the image of this site stays.
    assert.equal(renderMarkdown('<img src="/assets/favicon.svg" onerror="alert(1)">'), '<img src="/assets/favicon.svg" />');
  });
});
