// The image forms, validated apart from storage: the alt text of an upload or
// an edit, an image id in an address, and the featured-image picker's field.
import { z } from 'zod';
import { Invalid, NotFound, type FieldErrors } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';

export const MAX_ALT_LENGTH = 300;

// No control or format characters (bidi overrides could disguise the text);
// joiners stay, emoji and some scripts need them. Line breaks become spaces.
const NO_CONTROL = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\u200C|\u200D)*$/u;

const altText = z
  .string('required')
  .transform((alt) => alt.replace(/\s+/g, ' ').trim())
  .pipe(z.string().min(1, 'required').max(MAX_ALT_LENGTH, 'tooLong').regex(NO_CONTROL, 'required'));

const altForm = z.object({ alt: altText });

const MESSAGES: Record<string, MessageKey> = {
  required: 'admin.images.errorAltRequired',
  tooLong: 'admin.images.errorAltTooLong',
};

function invalid(error: z.ZodError): Invalid {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'alt');
    fields[field] ??= MESSAGES[issue.message] ?? 'admin.images.errorAltRequired';
  }
  return new Invalid(fields, 'admin.images.errorSummary');
}

/** The alt text of a form (upload or edit): one string, 1 to 300 characters once spaces are tidied. */
export function parseAltForm(body: unknown): { alt: string } {
  const result = altForm.safeParse(body ?? {});
  if (!result.success) throw invalid(result.error);
  return result.data;
}

const ID = /^[1-9][0-9]{0,17}$/;

/** An image id from an address: anything that cannot be one is a 404, before the database is asked. */
export function requireImageId(value: unknown): string {
  if (typeof value !== 'string' || !ID.test(value)) throw new NotFound();
  return value;
}

/**
 * The picker's `featuredImageId`: '' or absent is "no featured image" (null);
 * an id is returned as a string; anything else (an array, a word) is refused
 * on the field. Whether the image exists is setFeaturedImage's to check.
 */
export function parseFeaturedImageId(value: unknown): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value === 'string' && ID.test(value)) return value;
  throw new Invalid({ featuredImageId: 'admin.images.pickerUnknown' });
}
