// The public leaderboard (履职积分实时公布): rank, name, level and points; ties share a rank.
// A deputy opens it on the board of the region they were elected in (本地区: their region and the regions
// under it; with 140,000 deputies the province's top 50 never shows a township's), may switch to 全部代表, and
// reads their own points and rank among all deputies (GET /deputies/{id}/points) above it.
const api = require('../../utils/api');
const { latestLoad } = require('../../utils/latest');

const LEVELS = [
  { value: '', label: '全部层级' },
  { value: 'national', label: '全国人大代表' },
  { value: 'provincial', label: '省人大代表' },
  { value: 'city', label: '市人大代表' },
  { value: 'county', label: '县（区）人大代表' },
  { value: 'township', label: '乡镇人大代表' },
];

const ALL = { key: 'all', label: '全部代表' };

Page({
  data: {
    loading: true,
    error: '',
    levels: LEVELS,
    levelIndex: 0,
    scopes: [ALL], // a deputy's region first, when they have one
    scope: 'all',
    rows: [],
    myDeputyId: null,
    myText: '', // 我的积分 8 分，在全部代表中排第 2 名
  },

  onShow() {
    return this.load();
  },

  // The region a deputy was elected in, from their public profile, once per deputy: their board opens on it.
  // No deputy (a citizen, or a deputy no more): the board of all deputies only.
  async regionOf(deputyId) {
    if (this.regionFor === deputyId) return;
    const profile = deputyId ? await api.deputyProfile(deputyId).catch(() => null) : null;
    this.regionFor = deputyId;
    this.regionId = profile && profile.region_id ? profile.region_id : null;
    if (this.regionId) {
      this.setData({ scopes: [{ key: 'region', label: (profile.region_name || '本地区') + '代表' }, ALL], scope: 'region' });
    } else {
      this.setData({ scopes: [ALL], scope: 'all' });
    }
  },

  // A level or board chosen while the last one loads must not get that one's late answer.
  load() {
    return latestLoad(this, async (current) => {
      const user = await api.ensureLogin().catch(() => null);
      const deputyId = api.isDeputy(user) ? user.deputy_id : null;
      await this.regionOf(deputyId);
      if (!current()) return null;
      const query = { level: LEVELS[this.data.levelIndex].value, limit: 50 };
      if (this.data.scope === 'region' && this.regionId) query.region_id = this.regionId;
      const [rows, mine] = await Promise.all([
        api.leaderboard(query),
        // Their own standing, which the top 50 may not reach: quiet, the board shows without it.
        deputyId ? api.points(deputyId, undefined, { quiet: true }).catch(() => null) : null,
      ]);
      if (!current()) return null;
      const keyed = (rows || []).map((r) => Object.assign({ key: r.deputy.id }, r));
      this.setData({ loading: false, rows: keyed, myDeputyId: deputyId, myText: myText(mine) });
      return rows;
    });
  },

  onLevelChange(e) {
    this.setData({ levelIndex: Number(e.detail.value) });
    return this.load();
  },

  switchScope(e) {
    const key = e.currentTarget.dataset.key;
    if (key === this.data.scope || !this.data.scopes.some((s) => s.key === key)) return null;
    this.setData({ scope: key });
    return this.load();
  },
});

// 我的积分 N 分，在全部代表中排第 R 名 (no rank for a deputy out of office).
function myText(points) {
  if (!points || typeof points.total !== 'number') return '';
  const rank = typeof points.rank === 'number' ? '，在全部代表中排第 ' + points.rank + ' 名' : '';
  return '我的积分 ' + points.total + ' 分' + rank;
}
