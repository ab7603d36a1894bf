const { test } = require('node:test');
const assert = require('node:assert/strict');

const format = require('../../utils/format');

test('times are shown in China time whatever the zone they come in', () => {
  assert.equal(format.formatTime('2026-05-01T01:30:00+00:00'), '2026-05-01 09:30');
  assert.equal(format.formatTime('2026-05-01T23:05:00+08:00'), '2026-05-01 23:05');
  assert.equal(format.formatTime(null), '');
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
