// The public addresses of image variants: /images/<id>-<width>-<hash>.webp. The
// hash of the bytes is in the name, so a file at an address never changes and
// is cached for a year; a new encoding would get a new address.
import { absolute, paths } from '../urls.ts';
import type { VariantInfo } from './images.repo.ts';
import { INLINE_WIDTH, VARIANT_WIDTHS, variantFor } from './images.process.ts';

// Ids of 1 to 18 digits always fit a bigint; widths are at most 5 digits.
const FILE_NAME = /^([1-9][0-9]{0,17})-([1-9][0-9]{0,4})-([0-9a-f]{16})\.(webp)$/;

export const CONTENT_TYPES = { webp: 'image/webp' } as const;

export type VariantFile = { imageId: string; width: number; hash: string; format: keyof typeof CONTENT_TYPES };

export function variantFileName(imageId: string | number, variant: Pick<VariantInfo, 'width' | 'hash' | 'format'>): string {
  return `${imageId}-${variant.width}-${variant.hash}.${variant.format}`;
}

/** The parts of a file name, or undefined for anything that is not one of ours. */
export function parseVariantFileName(file: unknown): VariantFile | undefined {
  if (typeof file !== 'string') return undefined;
  const match = FILE_NAME.exec(file);
  if (!match) return undefined;
  return { imageId: match[1]!, width: Number(match[2]), hash: match[3]!, format: match[4] as VariantFile['format'] };
}

export function variantPath(imageId: string | number, variant: Pick<VariantInfo, 'width' | 'hash' | 'format'>): string {
  return paths.image(variantFileName(imageId, variant));
}

/** Backslashes and brackets would end or bend the `[alt]` of Markdown; they are escaped. */
export function markdownAlt(alt: string): string {
  return alt.replace(/[\\[\]]/g, (c) => `\\${c}`).replace(/\s+/g, ' ');
}

/** What an organiser pastes into a post: the image at the width posts show. */
export function markdownSnippet(image: { id: number | string; alt: string; variants: VariantInfo[] }): string {
  const variant = variantFor(image.variants, INLINE_WIDTH);
  return variant ? `![${markdownAlt(image.alt)}](${variantPath(image.id, variant)})` : '';
}

/** What an <img> needs: src (the inline width), srcset of every variant, and the size of the one in src. */
export type ImageView = { alt: string; src: string; srcset: string; width: number; height: number };

export function imageView(image: { id: number | string; alt: string; variants: VariantInfo[] }, target: number = INLINE_WIDTH): ImageView | undefined {
  const chosen = variantFor(image.variants, target);
  if (!chosen) return undefined;
  return {
    alt: image.alt,
    src: variantPath(image.id, chosen),
    srcset: image.variants.map((v) => `${variantPath(image.id, v)} ${v.width}w`).join(', '),
    width: chosen.width,
    height: chosen.height,
  };
}

/** Open Graph wants one absolute URL: the largest variant, with its size. */
export function openGraphImage(baseUrl: string, image: { id: number | string; alt: string; variants: VariantInfo[] }) {
  const largest = variantFor(image.variants, Math.max(...VARIANT_WIDTHS));
  if (!largest) return undefined;
  return { url: absolute(baseUrl, variantPath(image.id, largest)), alt: image.alt, width: largest.width, height: largest.height, type: CONTENT_TYPES[largest.format] };
}
