// Turns an uploaded file into the images the site serves: recognised by its
// content (never its name or declared type), decoded with a cap on pixels and
// bytes, turned upright from its EXIF orientation, and re-encoded as WebP at a
// few web widths, never upscaled. Nothing of the original's metadata survives:
// sharp writes none unless asked (we never call withMetadata/keepExif), so a
// protest photo loses the GPS position, the camera's serial and the time it
// was taken. test/images/process.test.ts reads the output back to prove it.
import { createHash } from 'node:crypto';
import sharp, { type Metadata, type SharpOptions } from 'sharp';
import { Invalid } from '../errors.ts';

/** Bytes an upload may have; multer refuses more before it is all read. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Pixels of the original: a 48-megapixel phone photo passes, a decompression bomb does not. */
export const MAX_INPUT_PIXELS = 50_000_000;
/** Either side of the original, whatever its area: a 1×40000 strip is no photo either. */
export const MAX_SIDE = 20_000;
/** The widths served; an original narrower than one is kept at its own width instead. */
export const VARIANT_WIDTHS = [480, 960, 1600] as const;
/** The width pasted into posts as Markdown; the largest goes to Open Graph. */
export const INLINE_WIDTH = 960;
const WEBP_QUALITY = 80;
/** A decode that takes longer than this is not a photo worth waiting for. */
const TIMEOUT_SECONDS = 20;

export type SourceFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'heif';

export type EncodedVariant = { width: number; height: number; format: 'webp'; hash: string; bytes: Buffer };

export type ProcessedImage = {
  sourceFormat: SourceFormat;
  /** Of the original, upright. */
  width: number;
  height: number;
  variants: EncodedVariant[];
};

/** Why an upload was refused: a message key for the file field. */
export type ImageProblem =
  | 'admin.images.errorEmpty'
  | 'admin.images.errorTooBig'
  | 'admin.images.errorFormat'
  | 'admin.images.errorDimensions'
  | 'admin.images.errorUnreadable';

function refuse(problem: ImageProblem): never {
  throw new Invalid({ file: problem }, 'admin.images.errorSummary');
}

// AVIF's brands, and HEIF's generic ones (which may hold AV1 or HEVC). HEIC
// (HEVC, an iPhone's default) is left out: sharp's libheif decodes AV1 only.
const ISO_BRANDS = new Set(['avif', 'avis', 'mif1', 'msf1']);

/**
 * The format a file's first bytes announce, or undefined. This runs before any
 * decoder sees the file, so SVG (an XML document that sharp would render), PDF,
 * TIFF, PSD and the rest never reach one: only the formats a browser shows.
 */
export function sniffFormat(bytes: Buffer): SourceFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) return 'gif';
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (bytes.length >= 12 && bytes.subarray(4, 8).toString('latin1') === 'ftyp' && ISO_BRANDS.has(bytes.subarray(8, 12).toString('latin1'))) return 'heif';
  return undefined;
}

/** The widths to encode for an original this wide: the targets, each capped at the original. */
export function variantWidths(originalWidth: number): number[] {
  return [...new Set(VARIANT_WIDTHS.map((w) => Math.min(w, originalWidth)))];
}

/** The variant that serves as `target` wide: the one encoded for it (capped at the original). */
export function variantFor<T extends { width: number }>(variants: T[], target: number): T | undefined {
  const sorted = [...variants].sort((a, b) => a.width - b.width);
  return sorted.filter((v) => v.width <= target).at(-1) ?? sorted[0];
}

function contentHash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

export async function processImage(input: Buffer): Promise<ProcessedImage> {
  if (input.length === 0) refuse('admin.images.errorEmpty');
  if (input.length > MAX_UPLOAD_BYTES) refuse('admin.images.errorTooBig');
  const sniffed = sniffFormat(input);
  if (!sniffed) refuse('admin.images.errorFormat');

  // failOn 'warning': a truncated or corrupt file is refused, not half-decoded
  // into a grey picture. Only the first frame of an animation is read.
  const options: SharpOptions = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'warning', pages: 1 };
  let metadata: Metadata;
  try {
    // The header alone, without the pixel cap (which would refuse it as
    // "unreadable"): the size is checked below, to say what is wrong.
    metadata = await sharp(input, { ...options, limitInputPixels: false }).metadata();
  } catch {
    refuse('admin.images.errorUnreadable');
  }
  // The decoder must agree with the first bytes (a PNG signature in front of something else is not a PNG).
  if (metadata.format !== sniffed) refuse('admin.images.errorFormat');
  if (metadata.format === 'heif' && metadata.compression !== 'av1') refuse('admin.images.errorFormat');
  const { width, height } = metadata;
  if (!width || !height) refuse('admin.images.errorUnreadable');
  if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_INPUT_PIXELS) refuse('admin.images.errorDimensions');
  // EXIF orientations 5 to 8 turn the picture a quarter: its sides swap.
  const upright = (metadata.orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height };

  try {
    // Decoded once, upright, at the largest width served, into 8-bit sRGB
    // pixels (a few megabytes, whatever the original's size); each variant is
    // encoded from those, one after another, so a 48-megapixel photo is held
    // in memory once, not once per size.
    const widths = variantWidths(upright.width);
    const { data: pixels, info } = await sharp(input, options)
      .timeout({ seconds: TIMEOUT_SECONDS })
      .rotate()
      .resize({ width: Math.max(...widths), withoutEnlargement: true })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const raw = { width: info.width, height: info.height, channels: info.channels };
    const variants: EncodedVariant[] = [];
    for (const target of widths) {
      const { data, info: out } = await sharp(pixels, { raw })
        .resize({ width: target, withoutEnlargement: true })
        .webp({ quality: WEBP_QUALITY })
        .toBuffer({ resolveWithObject: true });
      variants.push({ width: out.width, height: out.height, format: 'webp', hash: contentHash(data), bytes: data });
    }
    return { sourceFormat: sniffed, width: upright.width, height: upright.height, variants };
  } catch {
    refuse('admin.images.errorUnreadable');
  }
}
