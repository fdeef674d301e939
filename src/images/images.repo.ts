// SQL for images and their variants (sql/images.sql).
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';
import type { EncodedVariant, SourceFormat } from './images.process.ts';

const sql = loadQueries('images.sql', [
  'insert-image',
  'insert-image-variant',
  'get-image',
  'lock-image',
  'list-images',
  'count-images',
  'get-variant-bytes',
  'update-image-alt',
  'list-posts-using-image',
  'delete-image',
  'set-post-featured-image',
  'get-featured-image-of-post',
]);

/** A variant as pages list it: enough to build its address, without its bytes. */
export type VariantInfo = { width: number; height: number; format: 'webp'; hash: string; size?: number };

export type ImageSummary = { id: number; alt: string; width: number; height: number; created_at: Date; variants: VariantInfo[] };

export type ImageRecord = ImageSummary & {
  original_name: string;
  source_format: SourceFormat;
  updated_at: Date;
  uploaded_by: number | null;
  uploaded_by_name: string;
};

export type PostUsingImage = { id: number; title: string; slug: string; status: string; featured: boolean; inline: boolean };

export type NewImage = {
  alt: string;
  originalName: string;
  sourceFormat: SourceFormat;
  width: number;
  height: number;
  uploadedBy: string | number | null;
};

export async function insertImage(db: Queryable, image: NewImage): Promise<number> {
  const { rows } = await db.query<{ id: number }>({
    ...sql['insert-image'],
    values: [image.alt, image.originalName, image.sourceFormat, image.width, image.height, image.uploadedBy],
  });
  return rows[0]!.id;
}

export async function insertVariant(db: Queryable, imageId: number, variant: EncodedVariant): Promise<void> {
  await db.query({ ...sql['insert-image-variant'], values: [imageId, variant.width, variant.height, variant.format, variant.hash, variant.bytes] });
}

export async function getImage(db: Queryable, id: string | number): Promise<ImageRecord | undefined> {
  const row = (await db.query<ImageRecord>({ ...sql['get-image'], values: [id] })).rows[0];
  return row && { ...row, variants: row.variants ?? [] };
}

export async function lockImage(db: Queryable, id: string | number): Promise<{ id: number; alt: string } | undefined> {
  return (await db.query<{ id: number; alt: string }>({ ...sql['lock-image'], values: [id] })).rows[0];
}

export async function listImages(db: Queryable, limit: number, offset: number): Promise<ImageSummary[]> {
  const { rows } = await db.query<ImageSummary>({ ...sql['list-images'], values: [limit, offset] });
  return rows.map((row) => ({ ...row, variants: row.variants ?? [] }));
}

export async function countImages(db: Queryable): Promise<number> {
  return (await db.query<{ total: number }>(sql['count-images'])).rows[0]?.total ?? 0;
}

export async function getVariantBytes(db: Queryable, file: { imageId: string; width: number; format: string; hash: string }): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ bytes: Buffer }>({ ...sql['get-variant-bytes'], values: [file.imageId, file.width, file.format, file.hash] });
  return rows[0]?.bytes;
}

export async function updateImageAlt(db: Queryable, id: string | number, alt: string): Promise<{ before: string; after: string } | undefined> {
  return (await db.query<{ before: string; after: string }>({ ...sql['update-image-alt'], values: [id, alt] })).rows[0];
}

export async function listPostsUsingImage(db: Queryable, id: string | number): Promise<PostUsingImage[]> {
  return (await db.query<PostUsingImage>({ ...sql['list-posts-using-image'], values: [id] })).rows;
}

export async function deleteImage(db: Queryable, id: string | number): Promise<{ id: number; alt: string; original_name: string } | undefined> {
  return (await db.query<{ id: number; alt: string; original_name: string }>({ ...sql['delete-image'], values: [id] })).rows[0];
}

export async function setPostFeaturedImage(
  db: Queryable,
  postId: string | number,
  imageId: string | number | null,
): Promise<{ title: string; before: number | null } | undefined> {
  return (await db.query<{ title: string; before: number | null }>({ ...sql['set-post-featured-image'], values: [postId, imageId] })).rows[0];
}

export type FeaturedImage = Omit<ImageSummary, 'created_at'>;

export async function getFeaturedImageOfPost(db: Queryable, postId: string | number): Promise<FeaturedImage | undefined> {
  const row = (await db.query<FeaturedImage>({ ...sql['get-featured-image-of-post'], values: [postId] })).rows[0];
  return row && { ...row, variants: row.variants ?? [] };
}
