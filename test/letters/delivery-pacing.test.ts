// The pace of letters to one address as arithmetic (src/letters/pacing.ts):
// at most per_hour by the hour's weight in each local hour, spread over it,
// only Monday to Friday 09:00–17:00 in the recipient's zone; a clock behind
// gains nothing. No wall clock: instants are given.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { retryDelaySeconds } from '../../src/letters/deliver.task.ts';
import { hourCapacity, NO_PACE, officeTimeAtOrAfter, reserveSlot, type AddressPace } from '../../src/letters/pacing.ts';

const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();
const wall = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat("ccc yyyy-MM-dd'T'HH:mm:ss");

/** Reserves `n` slots at `now`, as `n` letters queued at once would. */
function reserveMany(n: number, now: number, perHour: number, zone: string, pace: AddressPace = NO_PACE) {
  const slots: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = reserveSlot(pace, now, perHour, zone);
    slots.push(r.slot);
    pace = r.next;
  }
  return { slots, pace };
}

describe('the pace of letters to one address', () => {
  it('takes 30 in the 10 o’clock hour two minutes apart, and the 31st waits for 11:00', () => {
    const zone = 'Europe/London';
    const { slots } = reserveMany(31, at('2030-01-07T10:00', zone), 30, zone); // a Monday
    assert.equal(wall(slots[0]!, zone), 'Mon 2030-01-07T10:00:00');
    assert.equal(wall(slots[1]!, zone), 'Mon 2030-01-07T10:02:00');
    assert.equal(wall(slots[29]!, zone), 'Mon 2030-01-07T10:58:00');
    assert.equal(wall(slots[30]!, zone), 'Mon 2030-01-07T11:00:00');
  });

  it('weighs the hours of the day as Proca does, never below one', () => {
    assert.deepEqual([9, 10, 11, 12, 13, 14, 15, 16].map((h) => hourCapacity(30, h)), [24, 30, 27, 21, 21, 27, 30, 27]);
    assert.deepEqual([9, 12].map((h) => hourCapacity(1, h)), [1, 1]);
  });

  it('sends nothing at night or at the weekend in the recipient’s zone', () => {
    const london = 'Europe/London';
    assert.equal(wall(officeTimeAtOrAfter(at('2030-01-11T17:00', london), london), london), 'Mon 2030-01-14T09:00:00', 'Friday evening → Monday');
    assert.equal(wall(officeTimeAtOrAfter(at('2030-01-12T11:00', london), london), london), 'Mon 2030-01-14T09:00:00', 'Saturday');
    assert.equal(wall(officeTimeAtOrAfter(at('2030-01-08T08:59:59', london), london), london), 'Tue 2030-01-08T09:00:00', 'before nine');
    // Sunday 23:00 in London is already Monday 04:00 in Almaty, whose office opens first.
    const sunday = at('2030-01-13T23:00', london);
    assert.equal(wall(reserveSlot(NO_PACE, sunday, 30, 'Asia/Almaty').slot, 'Asia/Almaty'), 'Mon 2030-01-14T09:00:00');
    assert.equal(wall(reserveSlot(NO_PACE, sunday, 30, london).slot, london), 'Mon 2030-01-14T09:00:00');
    assert.ok(reserveSlot(NO_PACE, sunday, 30, 'Asia/Almaty').slot < reserveSlot(NO_PACE, sunday, 30, london).slot);
  });

  it('spreads a backlog over office hours only, each hour at most its capacity', () => {
    const zone = 'America/New_York';
    const { slots } = reserveMany(700, at('2030-01-11T16:30', zone), 30, zone); // a Friday afternoon
    const perHour = new Map<string, number>();
    for (const slot of slots) {
      const t = DateTime.fromMillis(slot, { zone });
      assert.ok(t.weekday <= 5 && t.hour >= 9 && t.hour < 17, `${wall(slot, zone)} is in office hours`);
      const hour = t.toFormat("yyyy-MM-dd'T'HH");
      perHour.set(hour, (perHour.get(hour) ?? 0) + 1);
    }
    for (const [hour, n] of perHour) assert.ok(n <= hourCapacity(30, Number(hour.slice(-2))), `${hour}: ${n}`);
    // Friday 16:30–17:00 takes 27 spaced 133 s apart: 14 fit; then Monday a full day is 207.
    assert.equal(perHour.get('2030-01-11T16'), 14);
    assert.equal([...perHour].filter(([h]) => h.startsWith('2030-01-14')).reduce((a, [, n]) => a + n, 0), 207);
    assert.deepEqual(slots, [...slots].sort((a, b) => a - b), 'in the order they were queued');
  });

  it('gives a clock that reads earlier than the last slot nothing earlier', () => {
    const zone = 'UTC';
    const { pace } = reserveMany(5, at('2030-01-07T10:00', zone), 30, zone);
    const behind = reserveSlot(pace, at('2030-01-07T09:30', zone), 30, zone);
    assert.equal(wall(behind.slot, zone), 'Mon 2030-01-07T10:10:00');
    assert.equal(behind.next.taken, 6);
  });

  it('paces an unknown zone in UTC', () => {
    const slot = reserveSlot(NO_PACE, at('2030-01-07T08:00', 'UTC'), 30, 'Not/AZone').slot;
    assert.equal(wall(slot, 'UTC'), 'Mon 2030-01-07T09:00:00');
  });

  it('backs off a temporary failure from a minute, doubling, to six hours', () => {
    assert.deepEqual([0, 1, 2, 8, 20].map(retryDelaySeconds), [60, 120, 240, 15360, 21600]);
  });
});
