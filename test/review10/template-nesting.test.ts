// Review of issue 10: a template the settings accept must be one the letter can
// be made from. {{#if}} blocks nested two and a half thousand deep (50,000
// characters, the body's limit) passed the check on save and then threw
// RangeError (the call stack) when the letter was first made: a 500 on the
// action's public page for everyone, and a letter the sender retried for days.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidLetter, MAX_BODY, parseLetterForm } from '../../src/letters/letters.schema.ts';
import { compileLetterTemplate, LETTER_FIELDS, LetterTemplateError } from '../../src/letters/template.ts';

const fields = Object.fromEntries(LETTER_FIELDS.map((f) => [f, 'v'])) as Record<(typeof LETTER_FIELDS)[number], string>;

describe('review 10: nested blocks', () => {
  it('refuses on save a template nested too deep to be made', () => {
    const n = Math.floor((MAX_BODY - 1) / 19);
    const body = '{{#if date}}'.repeat(n) + 'x' + '{{/if}}'.repeat(n);
    assert.ok(body.length < MAX_BODY);
    let made: (() => string) | undefined;
    try {
      const template = compileLetterTemplate(body, 'body');
      made = () => template.render(fields);
    } catch (error) {
      assert.ok(error instanceof LetterTemplateError, String(error));
    }
    if (made) assert.doesNotThrow(made, 'a template that compiled on save renders');
    assert.throws(() => parseLetterForm({ subject_template: 'S', body_template: body, routing: 'fixed', delivery: 'each' }), (e) => e instanceof InvalidLetter && e.templateProblems.body_template !== undefined);
  });

  it('still takes a few levels and a chain of else-ifs', () => {
    const body = '{{#if signer_comment}}{{#if signer_town}}{{#unless signer_country}}A{{else}}B{{/unless}}{{/if}}{{else if signer_town}}C{{else if signer_country}}D{{else}}E{{/if}}';
    assert.equal(compileLetterTemplate(body, 'body').render(fields), 'B');
  });
});
