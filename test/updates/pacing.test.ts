// The shared pace of delivery as a unit: never more than the rate in a slot,
// whoever asks and however often; a new slot starts afresh; a clock that
// reads an earlier slot gains nothing. No wall clock is involved.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { takeSends, type PaceState } from '../../src/updates/pacing.ts';
import { retryDelaySeconds } from '../../src/updates/deliver.task.ts';
import { deriveUnsubscribeKey, unsubscribeToken, verifyUnsubscribeToken } from '../../src/updates/unsubscribe-token.ts';

describe('the pace of updates', () => {
  it('grants at most the rate per slot, across any number of takers', () => {
    let state: PaceState = { slot: 100, taken: 0 };
    let granted = 0;
    // Five workers asking for 4 each, many times, within slot 100: 10 a second in all.
    for (let round = 0; round < 5; round++) {
      for (let worker = 0; worker < 5; worker++) {
        const take = takeSends(state, 100, 4, 10);
        state = take.next;
        granted += take.granted;
      }
    }
    assert.equal(granted, 10);
    assert.deepEqual(state, { slot: 100, taken: 10 });
  });

  it('starts afresh in the next slot, and gives nothing more to a clock behind', () => {
    const full: PaceState = { slot: 100, taken: 10 };
    assert.equal(takeSends(full, 100, 5, 10).granted, 0);
    assert.equal(takeSends(full, 99, 5, 10).granted, 0, 'an earlier slot is the same slot');
    const next = takeSends(full, 101, 15, 10);
    assert.deepEqual(next, { next: { slot: 101, taken: 10 }, granted: 10 });
    assert.equal(takeSends({ slot: 101, taken: 3 }, 107, 2, 10).granted, 2);
  });

  it('grants nothing for nothing asked', () => {
    assert.deepEqual(takeSends({ slot: 1, taken: 0 }, 1, 0, 10), { next: { slot: 1, taken: 0 }, granted: 0 });
  });

  it('backs off a temporary failure from 30 s, doubling, to an hour', () => {
    assert.deepEqual([0, 1, 2, 3, 7, 20].map(retryDelaySeconds), [30, 60, 120, 240, 3600, 3600]);
  });
});

describe('unsubscribe tokens', () => {
  const key = deriveUnsubscribeKey('s'.repeat(40));
  it('verifies its own, for the id it names, and nothing else', () => {
    const token = unsubscribeToken(key, 1234);
    assert.match(token, /^1234\.[A-Za-z0-9_-]{22}$/);
    assert.equal(verifyUnsubscribeToken(key, token), 1234);
    assert.equal(verifyUnsubscribeToken(deriveUnsubscribeKey('t'.repeat(40)), token), undefined, 'another secret');
    assert.equal(verifyUnsubscribeToken(key, token.replace(/^1234/, '1235')), undefined, 'another id');
    for (const bad of [undefined, 42, '', '1234', '1234.', `${token}x`, `01234.${token.split('.')[1]}`]) assert.equal(verifyUnsubscribeToken(key, bad), undefined, String(bad));
  });
  it('is the same token years later: nothing but the secret and the id goes in', () => {
    assert.equal(unsubscribeToken(key, 7), unsubscribeToken(deriveUnsubscribeKey('s'.repeat(40)), 7));
  });
});
