// The wall-clock times organisers type for a protest, read in its own zone:
// the instant they name, or why they name none (skipped by a daylight-saving
// change) or two (repeated by one). No database: localTimeIn alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localInput, localTimeIn } from '../../src/protests/protests.schema.ts';

const at = (value: string, zone: string) => {
  const result = localTimeIn(value, zone);
  return 'at' in result ? result.at.toISOString() : result.problem;
};

describe('a protest\'s local times in its zone', () => {
  it('reads a time east and west of UTC, in winter and summer', () => {
    assert.equal(at('2026-12-16T12:00', 'Asia/Almaty'), '2026-12-16T07:00:00.000Z');
    assert.equal(at('2026-12-16T12:00', 'Europe/Moscow'), '2026-12-16T09:00:00.000Z');
    assert.equal(at('2026-12-16T12:00', 'America/New_York'), '2026-12-16T17:00:00.000Z');
    assert.equal(at('2026-07-01T12:00', 'Europe/London'), '2026-07-01T11:00:00.000Z');
    assert.equal(at('2026-12-16T12:00', 'Asia/Kolkata'), '2026-12-16T06:30:00.000Z');
  });

  it('refuses the hour the clocks skip, and only it', () => {
    // London, 29 March 2026: 01:00 GMT becomes 02:00 BST.
    assert.equal(at('2026-03-29T00:59', 'Europe/London'), '2026-03-29T00:59:00.000Z');
    assert.equal(at('2026-03-29T01:00', 'Europe/London'), 'gap');
    assert.equal(at('2026-03-29T01:59', 'Europe/London'), 'gap');
    assert.equal(at('2026-03-29T02:00', 'Europe/London'), '2026-03-29T01:00:00.000Z');
    assert.equal(at('2026-03-08T02:30', 'America/New_York'), 'gap');
    // Lord Howe Island moves by half an hour.
    assert.equal(at('2026-10-04T02:15', 'Australia/Lord_Howe'), 'gap');
    assert.equal(at('2026-10-04T02:45', 'Australia/Lord_Howe'), '2026-10-03T15:45:00.000Z');
  });

  it('refuses the hour that happens twice, and only it', () => {
    // London, 25 October 2026: 02:00 BST becomes 01:00 GMT.
    assert.equal(at('2026-10-25T00:59', 'Europe/London'), '2026-10-24T23:59:00.000Z');
    assert.equal(at('2026-10-25T01:00', 'Europe/London'), 'ambiguous');
    assert.equal(at('2026-10-25T01:59', 'Europe/London'), 'ambiguous');
    assert.equal(at('2026-10-25T02:00', 'Europe/London'), '2026-10-25T02:00:00.000Z');
    assert.equal(at('2026-11-01T01:30', 'America/New_York'), 'ambiguous');
  });

  it('refuses what is not a date and time, and shows a stored one back as typed', () => {
    for (const value of ['2026-02-30T12:00', '2026-12-16 12:00', '2026-12-16T24:00', '2026-12-16T12:00:00', '1999-12-16T12:00', '', 'noon']) assert.equal(at(value, 'UTC'), 'format', value);
    assert.equal(localInput(new Date('2026-10-25T01:30:00Z'), 'Europe/London'), '2026-10-25T01:30');
    assert.equal(localInput(new Date('2026-12-16T07:00:00Z'), 'Asia/Almaty'), '2026-12-16T12:00');
  });
});
