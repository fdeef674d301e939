// Letter templates come from organisers: they fill in fields and may leave
// parts out, and nothing else. Every way out of that is refused at save time,
// naming the line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileLetterTemplate, LetterTemplateError, LETTER_FIELDS, type LetterFields } from '../../src/letters/template.ts';

const fields: LetterFields = {
  ...(Object.fromEntries(LETTER_FIELDS.map((f) => [f, ''])) as LetterFields),
  recipient_name: 'Embassy of the Republic of Kazakhstan',
  recipient_title: 'Ambassador',
  signer_name: 'Айгерім Сәрсенова',
  signer_town: 'Алматы',
  signer_country: 'Kazakhstan',
  action_title: 'Free the Zhanaozen strikers',
  date: '16 December 2026',
};

function refusal(source: unknown, what: 'subject' | 'body' = 'body'): LetterTemplateError {
  try {
    compileLetterTemplate(source, what);
  } catch (error) {
    assert.ok(error instanceof LetterTemplateError, `a LetterTemplateError, not ${String(error)}`);
    return error;
  }
  assert.fail(`accepted: ${JSON.stringify(source)}`);
}

describe('letter templates', () => {
  it('fills in the fields as plain text, Kazakh letters and markup-looking names unchanged', () => {
    const body = compileLetterTemplate('Dear {{recipient_title}},\n\nI, {{signer_name}} of {{signer_town}}, ask you to act on “{{action_title}}”.\n{{#if signer_comment}}\n{{signer_comment}}\n{{/if}}\n{{date}}', 'body');
    const text = body.render(fields);
    assert.match(text, /^Dear Ambassador,\n\nI, Айгерім Сәрсенова of Алматы, ask you to act on “Free the Zhanaozen strikers”\.\n16 December 2026$/);
    assert.match(body.render({ ...fields, signer_comment: 'Free them <now> & "today"' }), /\nFree them <now> & "today"\n/);
  });

  it('keeps a subject on one line, whatever a field holds', () => {
    const subject = compileLetterTemplate('{{action_title}}: a letter from {{signer_name}}', 'subject');
    assert.equal(subject.render({ ...fields, signer_name: 'Someone\r\nBcc: x@example.org' }), 'Free the Zhanaozen strikers: a letter from Someone Bcc: x@example.org');
    assert.equal(refusal('Line one\nline two', 'subject').reason, 'the subject must be one line');
    assert.equal(refusal('Line one\rline two', 'subject').reason, 'the subject must be one line');
  });

  it('refuses a source that is not a string (an AST object ran code in handlebars ≤ 4.7.9)', () => {
    const ast = { type: 'Program', body: [{ type: 'MustacheStatement', path: { type: 'PathExpression', parts: ['constructor'], original: 'constructor' } }] };
    for (const source of [ast, ['{{signer_name}}'], 42, null, undefined]) assert.match(refusal(source).reason, /must be text/);
  });

  it('refuses the ways out: prototypes, lookup, partials, triple-stash, helpers, data, this and parents', () => {
    const cases: [string, RegExp][] = [
      ['{{constructor}}', /not a field/],
      ['{{__proto__}}', /not a field/],
      ['{{signer_name.constructor}}', /not a field/],
      ['{{constructor.constructor}}', /not a field/],
      ['{{lookup this "constructor"}}', /only a field/],
      ['{{#with this}}{{constructor}}{{/with}}', /\{\{#with\}\} is not allowed/],
      ['{{#each this}}{{@key}}{{/each}}', /\{\{#each\}\} is not allowed/],
      ['{{> letterhead}}', /partials/],
      ['{{#> layout}}x{{/layout}}', /partials/],
      ['{{{signer_name}}}', /triple braces/],
      ['{{log signer_name}}', /only a field/],
      ['{{@root.signer_name}}', /not a field/],
      ['{{this}}', /not a field/],
      ['{{../signer_name}}', /not a field/],
      ['{{signer_name (lookup this "x")}}', /only a field/],
      ['{{signer_name level="x"}}', /only a field/],
      ['{{#if (lookup this "x")}}y{{/if}}', /takes one field/],
      ['{{#if signer_name signer_town}}y{{/if}}', /takes one field/],
      ['{{*decorator}}', /not allowed/],
      ['{{unknown_field}}', /not a field/],
    ];
    for (const [source, reason] of cases) assert.match(refusal(source).reason, reason, source);
  });

  it('names the line of the mistake', () => {
    const error = refusal('Dear {{recipient_name}},\n\nThank you.\n{{{signer_name}}}\n');
    assert.equal(error.line, 4);
    assert.equal(refusal('Dear {{recipient_name}},\n{{#if signer_comment}}\nno end\n').line, 4);
    assert.equal(refusal('one\ntwo {{signer_name}\n').line, 2);
    assert.match(refusal('one\ntwo {{signer_name}\n').message, /^line 2: /);
  });

  it('does not reach the prototype at render time either', () => {
    const body = compileLetterTemplate('{{signer_name}}', 'body');
    const hostile = Object.assign(Object.create({ signer_name: 'from the prototype' }), {}) as LetterFields;
    assert.equal(body.render(hostile), '', 'only own fields, as plain strings');
  });
});
