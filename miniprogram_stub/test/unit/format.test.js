const { test } = require('node:test');
const assert = require('node:assert/strict');

const format = require('../../utils/format');

test('times are shown in China time whatever the zone they come in', () => {
  assert.equal(format.formatTime('2026-05-01T01:30:00+00:00'), '2026-05-01 09:30');
  assert.equal(format.formatTime('2026-05-01T23:05:00+08:00'), '2026-05-01 23:05');
  assert.equal(format.formatTime(null), '');
});

test('a list row reads a time short, month and day in China time, as the console\'s queue shows a deadline', () => {
  assert.equal(format.shortTime('2026-05-01T01:30:00+00:00'), '05-01 09:30');
  // Past 16:00 UTC it is the next day in China: a phone in another zone reads the China day.
  assert.equal(format.shortTime('2026-05-31T16:30:00Z'), '06-01 00:30');
  assert.equal(format.shortTime('2026-12-31T23:05:00+08:00'), '12-31 23:05');
  assert.equal(format.shortTime(null), '');
});

test('the deadline an item works to, to whom it is shown, long on its page and short in a list', () => {
  const pending = { status: 'pending', dispatch_due_at: '2026-05-06T15:59:59+00:00', accept_due_at: null, reply_due_at: null };
  // Waiting at its station: when it is due to be dispatched, for anyone who sees it.
  assert.equal(format.dueText(pending, false, format.formatTime), '预计分派时限：2026-05-06 23:59');
  assert.equal(format.dueText(pending, false, format.shortTime), '预计分派时限：05-06 23:59');
  // Held for review the clock does not run: no deadline.
  assert.equal(format.dueText(Object.assign({}, pending, { held_for_review: true }), false, format.shortTime), '');
  const assigned = { status: 'assigned', dispatch_due_at: null, accept_due_at: '2026-05-02T01:30:00+00:00' };
  // The deputy's deadlines are for the deputy handling it, not for the citizen.
  assert.equal(format.dueText(assigned, true, format.shortTime), '请于 05-02 09:30 前接单');
  assert.equal(format.dueText(assigned, false, format.shortTime), '');
  for (const status of ['accepted', 'forwarded']) {
    const item = { status, accept_due_at: '2026-05-02T01:30:00+00:00', reply_due_at: '2026-05-11T15:59:59+00:00' };
    assert.equal(format.dueText(item, true, format.formatTime), '请于 2026-05-11 23:59 前答复');
    assert.equal(format.dueText(item, false, format.formatTime), '');
  }
  // No clock runs once answered, nor without a deadline.
  assert.equal(format.dueText({ status: 'replied', reply_due_at: '2026-05-11T15:59:59+00:00' }, true, format.shortTime), '');
  assert.equal(format.dueText({ status: 'assigned', accept_due_at: null }, true, format.shortTime), '');
  // A list row: the item as its page presents it, with the deadline short.
  const row = format.presentRow(Object.assign({ due_soon: true }, assigned), true);
  assert.equal(row.dueText, '请于 05-02 09:30 前接单');
  assert.deepEqual(row.flags, ['临期']);
  assert.equal(format.presentRow(assigned, false).dueText, '');
});

test('flags and labels', () => {
  assert.deepEqual(format.flagsOf({ overdue: true, due_soon: true, supervised: true }), ['已超期', '督办']);
  assert.deepEqual(format.flagsOf({ due_soon: true }), ['临期']);
  const item = format.presentSuggestion({ satisfaction: 'basically_satisfied', timeline: [{ at: '2026-05-01T00:00:00Z' }] });
  assert.equal(item.satisfactionText, '基本满意');
  assert.equal(item.timeline[0].atText, '2026-05-01 08:00');
});

test('an item sent back by 不满意 shows its round; a held item says 审核中 once', () => {
  assert.deepEqual(format.flagsOf({ round: 1 }), []);
  assert.deepEqual(format.flagsOf({ round: 2, overdue: true }), ['已超期', '第 2 轮办理']);
  // The citizen's status reads 审核中 already; staff see the real status and the flag.
  assert.deepEqual(format.flagsOf({ held_for_review: true, status_label: '审核中' }), []);
  assert.deepEqual(format.flagsOf({ held_for_review: true, status_label: '待分派' }), ['审核中']);
});

test('a station distance reads in metres, then kilometres', () => {
  assert.deepEqual([0, 350, 999, 1000, 1249, 99949, 99950, 126000].map(format.distanceText),
    ['0 米', '350 米', '999 米', '1.0 公里', '1.2 公里', '99.9 公里', '100 公里', '126 公里']);
  assert.equal(format.distanceText(null), '');
  assert.equal(format.distanceText(undefined), '');
});

test('rates are shown as the console shows them: one decimal, or — when nothing was counted', () => {
  assert.equal(format.percentText(0.6), '60.0%');
  assert.equal(format.percentText(2 / 3), '66.7%');
  assert.equal(format.percentText(0), '0.0%');
  assert.equal(format.percentText(null), '—');
  assert.equal(format.percentText(undefined), '—');
});
