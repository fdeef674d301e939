// The RSVP form partial (views/partials/rsvp-form.hbs), as the call's page
// includes it per protest with {protest, action, values, errors}: the form of
// the protest whose form came back holds what was typed and each message
// beside its field (GOV.UK's pattern, as the sign form); the others are empty;
// a full protest says so instead of a form; the letter's box only when the
// letter can be signed alongside. Only a name and an email are asked.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createViewEngine, VIEWS_DIR, type ViewEngine } from '../../src/http/views.ts';
import { rsvpFormContext } from '../../src/protests/rsvp.service.ts';

describe('the RSVP form partial', () => {
  let dir: string;
  let views: ViewEngine;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'placard-rsvp-form-'));
    fs.symlinkSync(path.join(VIEWS_DIR, 'partials'), path.join(dir, 'partials'));
    fs.symlinkSync(path.join(VIEWS_DIR, 'layouts'), path.join(dir, 'layouts'));
    // As part F's protest-call partial includes it: inside a loop over protests.
    fs.writeFileSync(path.join(dir, 'page.hbs'), '{{#each forms}}<section id="protest-{{protest.id}}">{{> rsvp-form protest=protest action=@root.action values=values errors=errors}}</section>{{/each}}');
    views = createViewEngine(dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function render(context: object): string {
    let html = '';
    views.render(path.join(dir, 'page.hbs'), { layout: false, locale: 'en', csrfToken: 'tok', formStamp: 'stamp', ...context }, (error, out) => {
      if (error) throw error;
      html = out!;
    });
    return html;
  }
  const section = (html: string, id: number) => new RegExp(`<section id="protest-${id}">([\\s\\S]*?)</section>`).exec(html)![1]!;

  it('puts each message beside its field, in the form that came back only', () => {
    const form = { values: { protest: '2', name: '', email: 'not-an-address', share: true }, errors: { name: 'signature.errors.name.required', email: 'signature.errors.email.format' } };
    const html = render({
      action: { slug: 'call' },
      forms: [
        rsvpFormContext({ id: 1, capacity: null, confirmed: 0 }, form),
        rsvpFormContext({ id: 2, capacity: 10, confirmed: 3, letter_alongside: true, recipient_name: 'Embassy in London' }, form),
        rsvpFormContext({ id: 3, capacity: 2, confirmed: 2 }, form),
      ],
    });
    const [one, two, three] = [section(html, 1), section(html, 2), section(html, 3)];
    // The form that came back: the message between the label and the input, which names it.
    assert.match(two, /<label for="protest-2-name">[^<]*<\/label>\s*<p class="hint"[^>]*>[^<]*<\/p>\s*<p class="field-error" id="protest-2-name-error">/);
    assert.match(two, /id="protest-2-email"[^>]*value="not-an-address"[^>]*aria-describedby="protest-2-email-hint protest-2-email-error"[^>]*aria-invalid="true"/);
    assert.match(two, /name="share_with_organiser" type="checkbox"[^>]*checked/);
    assert.match(two, /Also sign the letter to Embassy in London/);
    // No CSRF token: the call's page is shared by caches; the same-origin check guards the POST.
    assert.doesNotMatch(two, /name="_csrf"/);
    assert.match(two, /name="rendered" value="stamp"/);
    assert.match(two, /action="\/protests\/2\/rsvp"/);
    // Only a name and an email: no country, town or comment.
    const inputs = [...two.matchAll(/name="([a-z_]+)"/g)].map((m) => m[1]).sort();
    assert.deepEqual(inputs, ['email', 'name', 'rendered', 'share_with_organiser', 'sign_letter', 'wants_updates', 'website']);
    // Another protest's form stays empty, without the letter's box when there is no letter alongside.
    assert.doesNotMatch(one, /field-error|not-an-address|checked/);
    assert.doesNotMatch(one, /sign_letter/);
    // A full protest says so instead of a form.
    assert.match(three, /This protest is full/);
    assert.doesNotMatch(three, /<form/);
  });
});
