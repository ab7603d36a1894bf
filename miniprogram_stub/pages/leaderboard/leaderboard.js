// The public leaderboard (履职积分实时公布): rank, name, level and points; ties share a rank.
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

Page({
  data: {
    loading: true,
    error: '',
    levels: LEVELS,
    levelIndex: 0,
    rows: [],
    myDeputyId: null,
  },

  onShow() {
    return this.load();
  },

  // A level chosen while the last one loads must not get that level's late answer.
  load() {
    return latestLoad(this, async (current) => {
      const user = await api.ensureLogin().catch(() => null);
      const rows = await api.leaderboard({ level: LEVELS[this.data.levelIndex].value, limit: 50 });
      if (!current()) return null;
      const keyed = (rows || []).map((r) => Object.assign({ key: r.deputy.id }, r));
      this.setData({ loading: false, rows: keyed, myDeputyId: api.isDeputy(user) ? user.deputy_id : null });
      return rows;
    });
  },

  onLevelChange(e) {
    this.setData({ levelIndex: Number(e.detail.value) });
    return this.load();
  },
});
