// The privacy page's form (an email address) and the erasure's confirmation,
// validated apart from storage. A field sent twice (an array) is a bad value.
import { z } from 'zod';
import { Invalid } from '../errors.ts';

const email = z.string().trim().toLowerCase().min(3).max(254).pipe(z.email());

/** The address a link is asked for, normalised as supporters' addresses are. */
export function parsePrivacyRequest(body: unknown): { email: string } {
  const parsed = email.safeParse((body as Record<string, unknown> | undefined)?.email);
  if (!parsed.success) throw new Invalid({ email: 'privacy.ask.errors.email' }, 'privacy.ask.errors.summary');
  return { email: parsed.data };
}

/** The erasure goes ahead only with its box ticked. */
export function parseErasure(body: unknown): void {
  if ((body as Record<string, unknown> | undefined)?.confirm !== 'yes') {
    throw new Invalid({ confirm: 'privacy.data.eraseErrors.confirm' }, 'privacy.data.eraseErrors.summary');
  }
}
