// The letter on a letter action's public page: who it goes to and its text
// for the name and country a supporter typed, in words the page shows as they
// are. One function for the action page, its no-script form (actionLetter) and
// the script that updates the letter as the sign form is typed (?format=json),
// so all three say the same.
import type { Queryable } from '../db/pool.ts';
import { translate, type Locale } from '../i18n/index.ts';
import { countryName, isCountryCode } from '../signatures/countries.ts';
import { isSignableName } from '../signatures/signatures.schema.ts';
import { previewSignerOf } from './letters.schema.ts';
import { letterPanel, type LetterPanel } from './letters.service.ts';

export type LetterPanelView = LetterPanel & {
  /** One sentence on where this supporter's letter goes (by country), or undefined (fixed: the list says it). */
  routedLine: string | undefined;
  /** What the supporter typed, for the no-script form to show again. */
  signer: { name: string; country: string; town: string; comment: string };
};

/**
 * From a query string or the sign form's values as typed: name, country, town
 * (locality on the form), comment. A name or town the form would refuse (a web
 * address, control characters) is left out: the letter then shows the stand-in.
 */
export function signerOfValues(values: Record<string, unknown> | undefined) {
  const v = values ?? {};
  const signer = previewSignerOf({ name: v.name, country: v.country, town: v.town ?? v.locality, comment: v.comment }, isCountryCode);
  return isSignableName(signer.name || 'x', signer.town) ? signer : { ...signer, name: '', town: '' };
}

export async function letterPanelView(db: Queryable, actionId: number, values: Record<string, unknown> | undefined, locale: Locale, now: Date): Promise<LetterPanelView | undefined> {
  const signer = signerOfValues(values);
  const panel = await letterPanel(db, actionId, signer, translate(locale, 'letter.panel.yourName'), locale, now);
  if (!panel) return undefined;
  let routedLine: string | undefined;
  if (panel.routing === 'by_country') {
    const country = signer.country ? countryName(locale, signer.country) : '';
    if (!panel.countryGiven) routedLine = translate(locale, 'letter.panel.chooseCountry');
    else if (panel.nobody) routedLine = translate(locale, 'letter.panel.nobody', { country });
    else routedLine = translate(locale, 'letter.panel.routedTo', { country, name: panel.routedTo.map((r) => r.name).join(', ') });
  }
  return { ...panel, routedLine, signer };
}
