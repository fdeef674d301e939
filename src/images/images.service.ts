// The image library: uploads (processed, then stored with their audit entry),
// alt text, deletion of unused images, and a post's featured image.
import { recordAudit } from '../admin/audit.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { Invalid, NotFound } from '../errors.ts';
import { imageView, markdownSnippet, openGraphImage, variantFileName, type ImageView, type VariantFile } from './image-files.ts';
import { processImage } from './images.process.ts';
import * as repo from './images.repo.ts';
import { hotVariants } from './variant-cache.ts';

export const IMAGES_PER_PAGE = 30;
/** The picker lists this many, newest first: a campaign's library, not an archive. */
export const PICKER_LIMIT = 500;
const THUMB_WIDTH = 480;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The uploaded file's name as organisers see it again: no path, no control characters, 255 at most. */
export function cleanOriginalName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).at(-1) ?? '';
  return base.replace(CONTROL, '').trim().slice(0, 255);
}

export type Upload = { bytes: Buffer; originalName?: string; alt: string; organiserId: number };

/** Processes the file (refused with Invalid on the `file` field) and stores it; returns the new image's id. */
export async function uploadImage(db: Pool, upload: Upload): Promise<number> {
  // Outside the transaction: encoding takes a second, and holds no lock meanwhile.
  const processed = await processImage(upload.bytes);
  const originalName = cleanOriginalName(upload.originalName);
  return withTransaction(db, async (client) => {
    const id = await repo.insertImage(client, {
      alt: upload.alt,
      originalName,
      sourceFormat: processed.sourceFormat,
      width: processed.width,
      height: processed.height,
      uploadedBy: upload.organiserId,
    });
    for (const variant of processed.variants) await repo.insertVariant(client, id, variant);
    await recordAudit(client, {
      organiserId: upload.organiserId,
      event: 'image.upload',
      subject: { type: 'image', id },
      summary: `Uploaded “${upload.alt}”`,
      after: { alt: upload.alt, original_name: originalName, width: processed.width, height: processed.height },
    });
    return id;
  });
}

export type LibraryImage = repo.ImageSummary & { thumb?: ImageView; snippet: string };

function forLibrary(image: repo.ImageSummary): LibraryImage {
  return { ...image, thumb: imageView(image, THUMB_WIDTH), snippet: markdownSnippet(image) };
}

export async function listLibrary(db: Pool, page: number) {
  const [images, total] = await Promise.all([repo.listImages(db, IMAGES_PER_PAGE, (page - 1) * IMAGES_PER_PAGE), repo.countImages(db)]);
  const pages = Math.max(1, Math.ceil(total / IMAGES_PER_PAGE));
  if (page > pages) throw new NotFound();
  return {
    images: images.map(forLibrary),
    total,
    page: { page, pages, newerPage: page > 1 ? page - 1 : undefined, olderPage: page < pages ? page + 1 : undefined },
  };
}

export async function getImageForAdmin(db: Pool, id: string) {
  const image = await repo.getImage(db, id);
  if (!image) throw new NotFound();
  const usedBy = await repo.listPostsUsingImage(db, id);
  return { image: { ...image, ...forLibrary(image) }, usedBy };
}

export async function updateAlt(db: Pool, id: string, alt: string, organiserId: number): Promise<void> {
  await withTransaction(db, async (client) => {
    const change = await repo.updateImageAlt(client, id, alt);
    if (!change) throw new NotFound();
    if (change.before === change.after) return;
    await recordAudit(client, {
      organiserId,
      event: 'image.update',
      subject: { type: 'image', id },
      summary: `Described image ${id} as “${alt}”`,
      before: { alt: change.before },
      after: { alt: change.after },
    });
  });
}

/** Deletes an image no post uses; one in use is refused (Invalid on the form), so no post loses a picture unseen. */
export async function deleteUnusedImage(db: Pool, id: string, organiserId: number): Promise<void> {
  await withTransaction(db, async (client) => {
    if (!(await repo.getImage(client, id))) throw new NotFound();
    if ((await repo.listPostsUsingImage(client, id)).length > 0) throw new Invalid({ delete: 'admin.images.errorInUse' }, 'admin.images.errorInUse');
    const deleted = await repo.deleteImage(client, id);
    if (!deleted) throw new NotFound();
    await recordAudit(client, {
      organiserId,
      event: 'image.delete',
      subject: { type: 'image', id },
      summary: `Deleted image “${deleted.alt}”`,
      before: { alt: deleted.alt, original_name: deleted.original_name },
    });
  });
  hotVariants.forgetImage(id);
}

/**
 * Sets (or, with null, removes) a post's featured image, in the caller's
 * transaction, with an audit entry when it changes. An image that does not
 * exist is refused on the `featuredImageId` field; a post that does not, NotFound.
 */
export async function setFeaturedImage(client: Queryable, postId: string | number, imageId: string | number | null, organiserId: number | null): Promise<boolean> {
  let alt: string | undefined;
  if (imageId !== null) {
    const image = await repo.lockImage(client, imageId);
    if (!image) throw new Invalid({ featuredImageId: 'admin.images.pickerUnknown' });
    alt = image.alt;
  }
  const change = await repo.setPostFeaturedImage(client, postId, imageId);
  if (!change) throw new NotFound();
  const before = change.before === null ? null : String(change.before);
  const after = imageId === null ? null : String(imageId);
  if (before === after) return false;
  await recordAudit(client, {
    organiserId,
    event: 'post.featured_image',
    subject: { type: 'post', id: postId },
    summary: after === null ? `Removed the featured image of “${change.title}”` : `Featured “${alt}” on “${change.title}”`,
    before: { featured_image_id: before },
    after: { featured_image_id: after },
  });
  return true;
}

export type PickerImage = { id: number; alt: string; thumb?: ImageView; selected: boolean };

export type ImagePicker = { options: PickerImage[]; noneSelected: boolean };

/**
 * For views/partials/admin-image-picker.hbs (as `picker`): every image, newest
 * first, the chosen one marked; "none" is marked when no listed image is.
 */
export async function listImagesForPicker(db: Queryable, selectedId?: string | number | null): Promise<ImagePicker> {
  const images = await repo.listImages(db, PICKER_LIMIT, 0);
  const selected = selectedId === undefined || selectedId === null || selectedId === '' ? undefined : String(selectedId);
  const options = images.map((image) => ({ id: image.id, alt: image.alt, thumb: imageView(image, THUMB_WIDTH), selected: String(image.id) === selected }));
  return { options, noneSelected: !options.some((o) => o.selected) };
}

/** What the public post page shows and shares: the featured image's <img> and its Open Graph image. */
export async function featuredImageOfPost(db: Queryable, postId: number, baseUrl: string) {
  const image = await repo.getFeaturedImageOfPost(db, postId);
  if (!image || image.variants.length === 0) return undefined;
  return { view: imageView(image)!, og: openGraphImage(baseUrl, image)! };
}

/** The bytes of one variant file, from the process's cache or the database; undefined if there is no such file. */
export async function readVariant(db: Queryable, file: VariantFile): Promise<Buffer | undefined> {
  const name = variantFileName(file.imageId, file);
  let bytes = hotVariants.get(name);
  if (!bytes) {
    bytes = await repo.getVariantBytes(db, file);
    if (bytes) hotVariants.set(name, bytes);
  }
  return bytes;
}
