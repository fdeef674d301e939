// Review of issue 10: every view of a letter action's page, and every request
// of its public letter preview (a GET anyone may repeat, which the page's
// script sends as the sign form is typed), checked and compiled the letter's
// templates again: a quarter of a second of CPU for the longest body the
// settings take, so a handful of strangers' requests a second held a core.
// A template is compiled once per source.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { letterFields, renderLetter } from '../../src/letters/compose.ts';
import { MAX_BODY } from '../../src/letters/letters.schema.ts';

describe('review 10: the cost of a letter', () => {
  it('renders the longest body many times for little more than once', () => {
    const paragraph = 'Dear {{recipient_name}}, {{#if signer_comment}}{{signer_comment}}{{/if}} we write about {{action_title}}.\n\n';
    const body = paragraph.repeat(Math.floor(MAX_BODY / paragraph.length));
    const fields = letterFields({
      actionTitle: 'Free them',
      recipient: { name: 'Embassy', title: '', organisation: '', country: 'GB', time_zone: 'Europe/London' },
      signer: { name: 'Aigerim', town: 'Almaty', country: 'KZ', comment: 'Mine.' },
      personalParagraph: true,
      at: new Date(),
    });
    const first = renderLetter({ subject: 'Free them, {{recipient_name}}', body }, fields);
    const started = performance.now();
    for (let i = 0; i < 40; i++) assert.equal(renderLetter({ subject: 'Free them, {{recipient_name}}', body }, fields).body, first.body);
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `40 renders took ${Math.round(ms)} ms`);
  });
});
