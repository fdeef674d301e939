// The form-timing check: a public form carries a hidden field with the time it
// was rendered, signed with an HMAC, and a POST that comes back sooner than a
// person could fill it in (or with a stamp nobody issued) is a script. Like the
// honeypot it is one signal among the rate limits, for the scripts that post
// as fast as they can; a script that waits passes it.
//
// The time is coarse (a 10-second slot, rounded down), so every page rendered
// within the same slot carries the same field and a cache in front (issue 12)
// can share the page. Rounding down only ever makes a form look older than it
// is: a person who took the minimum time is never mistaken for a script; a
// script is caught when its render fell early enough in its slot.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const FORM_TIME_FIELD = 'rendered';
const SLOT_MS = 10_000;
// Clocks of two instances differ a little: a stamp this far ahead of ours is still ours.
const CLOCK_SKEW_MS = 5_000;

/** What a POST's stamp says: `absent` (a tab opened before stamps existed: let it through), `early`, `forged`, or `ok`. */
export type FormTimingVerdict = 'ok' | 'absent' | 'early' | 'forged';

export type FormTiming = {
  /** The field's value for a form rendered now. */
  stamp: () => string;
  judge: (value: unknown) => FormTimingVerdict;
};

export function createFormTiming(options: { secret: string; minMs: number; now?: () => number }): FormTiming {
  const now = options.now ?? Date.now;
  // Its own key, so that no other use of the app secret can be made to sign a stamp.
  const key = createHmac('sha256', options.secret).update('form-timing').digest();
  const mac = (slot: string) => createHmac('sha256', key).update(slot).digest('base64url').slice(0, 22);
  return {
    stamp: () => {
      const slot = String(Math.floor(now() / SLOT_MS));
      return `${slot}.${mac(slot)}`;
    },
    judge: (value) => {
      // SIGN_MIN_SECONDS=0: the check is off, stamps and all.
      if (options.minMs <= 0) return 'ok';
      if (value === undefined || value === '') return 'absent';
      if (typeof value !== 'string') return 'forged';
      const match = /^(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(value);
      if (!match) return 'forged';
      const expected = Buffer.from(mac(match[1]!));
      const given = Buffer.from(match[2]!);
      if (!timingSafeEqual(expected, given)) return 'forged';
      const renderedAt = Number(match[1]) * SLOT_MS;
      const elapsed = now() - renderedAt;
      if (elapsed < -CLOCK_SKEW_MS) return 'forged';
      return elapsed < options.minMs ? 'early' : 'ok';
    },
  };
}
