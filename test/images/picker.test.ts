// The featured-image picker partial that the post form includes: one radio per
// image with its thumbnail and alt text, "none" first, the chosen one checked,
// an error tied to the fieldset. Rendered by the app's view engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createViewEngine, VIEWS_DIR, type ViewEngine } from '../../src/http/views.ts';
import { listImagesForPicker, uploadImage } from '../../src/images/images.service.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

describe('the featured-image picker', () => {
  let db: TestDatabase;
  let dir: string;
  let views: ViewEngine;
  const ids: number[] = [];

  before(async () => {
    db = await createTestDatabase();
    const { rows } = await db.pool.query<{ id: number }>("INSERT INTO organisers (email, name, role) VALUES ('p@example.org', 'P', 'organiser') RETURNING id");
    for (const alt of ['First <photo>', 'Second photo']) {
      const bytes = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#224466' } }).png().toBuffer();
      ids.push(await uploadImage(db.pool, { bytes, alt, organiserId: rows[0]!.id }));
    }
    // A page of its own that includes the partial, beside the app's partials and layouts.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'placard-picker-'));
    fs.symlinkSync(path.join(VIEWS_DIR, 'partials'), path.join(dir, 'partials'));
    fs.symlinkSync(path.join(VIEWS_DIR, 'layouts'), path.join(dir, 'layouts'));
    fs.writeFileSync(path.join(dir, 'form.hbs'), '<form>{{> admin-image-picker picker=featuredImagePicker error=errors.featuredImageId}}</form>');
    views = createViewEngine(dir);
  });
  after(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  function render(context: object): string {
    let html = '';
    views.render(path.join(dir, 'form.hbs'), { layout: false, ...context }, (error, out) => {
      if (error) throw error;
      html = out!;
    });
    return html;
  }

  it('offers none and every image as radios with thumbnails and alt text, the chosen one checked', async () => {
    const html = render({ featuredImagePicker: await listImagesForPicker(db.pool, ids[0]) });
    const radios = [...html.matchAll(/<input type="radio" name="featuredImageId" value="(\d*)" id="([^"]+)"( checked)?>/g)];
    assert.deepEqual(radios.map((r) => r[1]), ['', String(ids[1]), String(ids[0])], 'none first, then newest first');
    assert.deepEqual(radios.filter((r) => r[3]).map((r) => r[1]), [String(ids[0])]);
    for (const [, , id] of radios) assert.match(html, new RegExp(`<label for="${id}">`));
    assert.match(html, new RegExp(`<img src="/images/${ids[0]}-480-[0-9a-f]{16}\\.webp" width="480" height="360" alt="" loading="lazy">\\s*<span>First &lt;photo&gt;</span>`));
    assert.match(html, /<legend>Featured image<\/legend>/);
  });

  it('checks "none" when nothing is chosen, and ties an error to the fieldset', async () => {
    const html = render({ featuredImagePicker: await listImagesForPicker(db.pool, null), errors: { featuredImageId: 'admin.images.pickerUnknown' } });
    assert.match(html, /value="" id="featured-image-none" checked>/);
    assert.equal(html.match(/ checked>/g)?.length, 1);
    assert.match(html, /<fieldset class="field image-picker" aria-describedby="featured-image-hint featured-image-error">/);
    assert.match(html, /<p class="field-error" id="featured-image-error">Please choose an image from the list.<\/p>/);
  });
});
