// The image library's service over a real database: what an upload stores,
// what the audit log says, featured images, and deleting only what is unused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { withTransaction } from '../../src/db/pool.ts';
import { Invalid, NotFound } from '../../src/errors.ts';
import { markdownAlt, parseVariantFileName } from '../../src/images/image-files.ts';
import { parseAltForm, parseFeaturedImageId, requireImageId } from '../../src/images/images.schema.ts';
import {
  cleanOriginalName,
  deleteUnusedImage,
  getImageForAdmin,
  listImagesForPicker,
  listLibrary,
  setFeaturedImage,
  updateAlt,
  uploadImage,
} from '../../src/images/images.service.ts';
import { createPost } from '../../src/posts/posts.service.ts';
import { upsertAuthor } from '../../src/posts/posts.repo.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

async function photo(width = 1200, height = 800): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#446688' } }).jpeg().toBuffer();
}

describe('the image library', () => {
  let db: TestDatabase;
  let organiserId: number;
  let postId: number;

  before(async () => {
    db = await createTestDatabase();
    const { rows } = await db.pool.query<{ id: number }>("INSERT INTO organisers (email, name, role) VALUES ('ed@example.org', 'Ed Organiser', 'organiser') RETURNING id");
    organiserId = rows[0]!.id;
    const authorId = await upsertAuthor(db.pool, { slug: 'editor', name: 'Editor', bio: '' });
    postId = (await createPost(db.pool, { slug: 'march', title: 'The march', authorId, status: 'published', bodyMarkdown: 'We marched.' }))!;
  });
  after(() => db.drop());

  async function auditEvents(subjectType: string, subjectId: string | number) {
    const { rows } = await db.pool.query('SELECT event, organiser_id, organiser_name, before, after FROM audit_log WHERE subject_type = $1 AND subject_id = $2 ORDER BY id', [subjectType, String(subjectId)]);
    return rows;
  }

  it('stores an upload with its variants and an audit entry, and keeps the file name for organisers only', async () => {
    const id = await uploadImage(db.pool, { bytes: await photo(), originalName: 'C:\\Users\\aigerim\\IMG_0042\u202e.jpg', alt: 'Marchers on Abay Avenue', organiserId });
    const { image, usedBy } = await getImageForAdmin(db.pool, String(id));
    assert.equal(image.alt, 'Marchers on Abay Avenue');
    assert.equal(image.original_name, 'IMG_0042.jpg');
    assert.equal(image.uploaded_by_name, 'Ed Organiser');
    assert.deepEqual([image.width, image.height, image.source_format], [1200, 800, 'jpeg']);
    assert.deepEqual(image.variants.map((v) => v.width), [480, 960, 1200]);
    assert.deepEqual(usedBy, []);
    assert.match(image.snippet, new RegExp(`^!\\[Marchers on Abay Avenue\\]\\(/images/${id}-960-[0-9a-f]{16}\\.webp\\)$`));
    const [entry] = await auditEvents('image', id);
    assert.equal(entry.event, 'image.upload');
    assert.equal(Number(entry.organiser_id), organiserId);
    assert.equal(entry.after.alt, 'Marchers on Abay Avenue');
  });

  it('stores nothing when the file is refused', async () => {
    const before = (await db.pool.query('SELECT count(*)::int AS n FROM images')).rows[0].n;
    await assert.rejects(uploadImage(db.pool, { bytes: Buffer.from('<svg/>'), originalName: 'x.jpg', alt: 'x', organiserId }), (e) => e instanceof Invalid && e.fields.file === 'admin.images.errorFormat');
    assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM images')).rows[0].n, before);
  });

  it('changes the alt text with an audit entry of the old and new text', async () => {
    const id = await uploadImage(db.pool, { bytes: await photo(600, 400), alt: 'Old words', organiserId });
    await updateAlt(db.pool, String(id), 'New words', organiserId);
    await updateAlt(db.pool, String(id), 'New words', organiserId);
    const events = await auditEvents('image', id);
    assert.deepEqual(events.map((e) => e.event), ['image.upload', 'image.update'], 'an unchanged save records nothing');
    assert.deepEqual([events[1].before, events[1].after], [{ alt: 'Old words' }, { alt: 'New words' }]);
    await assert.rejects(updateAlt(db.pool, '99999999', 'x', organiserId), NotFound);
  });

  it('sets and removes a post’s featured image, audited, and refuses an image that does not exist', async () => {
    const id = await uploadImage(db.pool, { bytes: await photo(), alt: 'Featured', organiserId });
    assert.equal(await withTransaction(db.pool, (c) => setFeaturedImage(c, postId, id, organiserId)), true);
    assert.equal(await withTransaction(db.pool, (c) => setFeaturedImage(c, postId, String(id), organiserId)), false, 'the same image again changes nothing');
    const picker = await listImagesForPicker(db.pool, id);
    assert.equal(picker.options.find((p) => p.id === id)?.selected, true);
    assert.equal(picker.options.filter((p) => p.selected).length, 1);
    assert.equal(picker.noneSelected, false);
    assert.ok(picker.options[0]!.thumb?.src.startsWith('/images/'));
    assert.equal((await listImagesForPicker(db.pool, null)).noneSelected, true);
    assert.equal((await listImagesForPicker(db.pool, '99999999')).noneSelected, true);

    await assert.rejects(withTransaction(db.pool, (c) => setFeaturedImage(c, postId, '99999999', organiserId)), (e) => e instanceof Invalid && e.fields.featuredImageId === 'admin.images.pickerUnknown');
    await assert.rejects(withTransaction(db.pool, (c) => setFeaturedImage(c, 99999999, id, organiserId)), NotFound);
    assert.equal(await withTransaction(db.pool, (c) => setFeaturedImage(c, postId, null, organiserId)), true);
    const events = await auditEvents('post', postId);
    assert.deepEqual(events.map((e) => [e.event, e.before.featured_image_id, e.after.featured_image_id]), [
      ['post.featured_image', null, String(id)],
      ['post.featured_image', String(id), null],
    ]);
  });

  it('deletes an unused image, and refuses one a post shows as featured or in its text', async () => {
    const featured = await uploadImage(db.pool, { bytes: await photo(), alt: 'On top', organiserId });
    const inline = await uploadImage(db.pool, { bytes: await photo(), alt: 'In the text', organiserId });
    const unused = await uploadImage(db.pool, { bytes: await photo(), alt: 'Nobody’s', organiserId });
    await withTransaction(db.pool, (c) => setFeaturedImage(c, postId, featured, organiserId));
    const { image } = await getImageForAdmin(db.pool, String(inline));
    await db.pool.query('UPDATE posts SET body_markdown = body_markdown || $2 WHERE id = $1', [postId, `\n\n${image.snippet}`]);

    for (const id of [featured, inline]) {
      await assert.rejects(deleteUnusedImage(db.pool, String(id), organiserId), (e) => e instanceof Invalid && e.fields.delete === 'admin.images.errorInUse');
    }
    const used = await getImageForAdmin(db.pool, String(inline));
    assert.deepEqual(used.usedBy.map((p) => [p.id, p.featured, p.inline]), [[postId, false, true]]);
    // A file of image <unused>0 in a post's text does not make image <unused> "used": /images/<id>- is matched whole.
    await db.pool.query('UPDATE posts SET body_markdown = body_markdown || $2 WHERE id = $1', [postId, `\n\n![x](/images/${unused}0-960-0123456789abcdef.webp)`]);
    await deleteUnusedImage(db.pool, String(unused), organiserId);
    await assert.rejects(getImageForAdmin(db.pool, String(unused)), NotFound);
    assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM image_variants WHERE image_id = $1', [unused])).rows[0].n, 0);
    assert.deepEqual((await auditEvents('image', unused)).map((e) => e.event), ['image.upload', 'image.delete']);
    await withTransaction(db.pool, (c) => setFeaturedImage(c, postId, null, organiserId));
  });

  it('lists the library newest first, by pages, and refuses a page past the end', async () => {
    const library = await listLibrary(db.pool, 1);
    assert.ok(library.images.length >= 3);
    const times = library.images.map((i) => new Date(i.created_at).getTime());
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    await assert.rejects(listLibrary(db.pool, 2), NotFound);
  });
});

describe('image forms and names', () => {
  it('tidies alt text and refuses it missing, blank, too long or not a string', () => {
    assert.deepEqual(parseAltForm({ alt: '  Two\nlines  ' }), { alt: 'Two lines' });
    assert.equal(parseAltForm({ alt: 'é'.repeat(300) }).alt.length, 300);
    for (const body of [{}, { alt: '' }, { alt: '   ' }, { alt: ['a', 'b'] }, { alt: { x: 1 } }, undefined]) {
      assert.throws(() => parseAltForm(body), (e) => e instanceof Invalid && e.fields.alt === 'admin.images.errorAltRequired', JSON.stringify(body));
    }
    assert.throws(() => parseAltForm({ alt: 'a'.repeat(301) }), (e) => e instanceof Invalid && e.fields.alt === 'admin.images.errorAltTooLong');
    assert.throws(() => parseAltForm({ alt: 'evil\u202etxt' }), Invalid);
  });

  it('takes only ids that can exist from an address, and the picker’s field as an id, empty or refused', () => {
    for (const bad of ['abc', '0', '-1', '1.5', '99999999999999999999', '', undefined, ['1']]) assert.throws(() => requireImageId(bad), NotFound, String(bad));
    assert.equal(requireImageId('12'), '12');
    assert.equal(parseFeaturedImageId(''), null);
    assert.equal(parseFeaturedImageId(undefined), null);
    assert.equal(parseFeaturedImageId('7'), '7');
    for (const bad of [['1', '2'], 'seven', '0', '1e3']) assert.throws(() => parseFeaturedImageId(bad), Invalid);
  });

  it('reads back only names it writes', () => {
    assert.deepEqual(parseVariantFileName('12-960-0123456789abcdef.webp'), { imageId: '12', width: 960, hash: '0123456789abcdef', format: 'webp' });
    for (const bad of ['12-960-0123456789abcdef.png', '012-960-0123456789abcdef.webp', '12-960-0123456789ABCDEF.webp', '12-960-0123456789abcde.webp', '99999999999999999999-960-0123456789abcdef.webp', '12-960-0123456789abcdef.webp/..', '../etc/passwd', '']) {
      assert.equal(parseVariantFileName(bad), undefined, bad);
    }
  });

  it('escapes brackets and backslashes of alt text in the Markdown snippet, and keeps names short and plain', () => {
    assert.equal(markdownAlt('a [b] \\ c'), 'a \\[b\\] \\\\ c');
    assert.equal(cleanOriginalName('../../x\u0000y.png'), 'xy.png');
    assert.equal(cleanOriginalName(`${'n'.repeat(300)}.jpg`).length, 255);
  });
});
