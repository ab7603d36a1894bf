// Paged lists ({items, total, page, per_page}) with loading, empty and error states.
// The page's data holds: items, page, hasMore, loading, error.
const PER_PAGE = 20;

// Only the latest load of a page shows: a tab switched or a pull-to-refresh while an earlier page is on
// its way must not have that earlier answer land on top (or be appended to the new list).
async function loadPage(page, fetchPage, options) {
  const opts = options || {};
  const reset = !!opts.reset;
  const next = reset ? 1 : page.data.page + 1;
  const seq = (page.pagedSeq || 0) + 1;
  page.pagedSeq = seq;
  page.setData({ loading: true, error: '' });
  try {
    const res = await fetchPage({ page: next, per_page: PER_PAGE });
    // Rows that left the list since the last page (taken, withdrawn, answered elsewhere) slid the rows
    // after them back onto pages already shown, where the next page no longer has them: those pages are
    // asked again, as far back as the list shrank.
    const shrunk = reset ? 0 : page.data.total - res.total;
    let found = [];
    for (let p = Math.max(1, next - Math.ceil(shrunk / PER_PAGE)); p < next && page.pagedSeq === seq; p += 1) {
      found = found.concat((await fetchPage({ page: p, per_page: PER_PAGE })).items || []);
    }
    if (page.pagedSeq !== seq) return null;
    const rows = found.concat(res.items || []).map(opts.map || ((x) => x));
    // Lists come newest first: one added since the last page pushes a row already shown onto the next
    // one, which would show twice (and share its wx:key).
    const shown = reset ? {} : page.data.items.reduce((ids, item) => { ids[item.id] = true; return ids; }, {});
    const items = reset ? rows : page.data.items.slice();
    rows.forEach((row) => {
      if (reset || shown[row.id]) return;
      shown[row.id] = true;
      items.push(row);
    });
    // More while the server has rows beyond this page; a page that came back empty ends it.
    const hasMore = (res.items || []).length > 0 && (next - 1) * PER_PAGE + res.items.length < res.total;
    page.setData({ items, page: next, total: res.total, hasMore, loading: false });
    return items;
  } catch (err) {
    if (page.pagedSeq !== seq) return null;
    // The API module has shown the message; the page shows it too, in place of the list.
    page.setData({ loading: false, error: err.message });
    return null;
  }
}

// Nothing to ask for (a page waiting for a location or a search): an empty list, on which no load still on
// its way may land.
function clearList(page) {
  page.pagedSeq = (page.pagedSeq || 0) + 1;
  page.setData({ items: [], page: 0, total: 0, hasMore: false, loading: false, error: '' });
}

// What every paged list page does alike, given its own load(reset): mixed into the page's definition,
// Page(listPage({ data, load, ... })), with the list's state (listState()) in its data. A page with tabs keeps
// the chosen one in data.tab.
const LIST_HANDLERS = {
  switchTab(e) {
    const key = e.currentTarget.dataset.key;
    if (key === this.data.tab) return null;
    this.setData({ tab: key, items: [] });
    return this.load(true);
  },

  reload() {
    return this.load(true);
  },

  onPullDownRefresh() {
    return this.load(true).then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    if (this.data.hasMore && !this.data.loading) return this.load(false);
    return null;
  },
};

// A list's state as a page opens: loading its first page. A page's own data adds to it or overrides it.
function listState() {
  return { items: [], page: 0, total: 0, hasMore: false, loading: true, error: '' };
}

function listPage(definition) {
  return Object.assign({}, LIST_HANDLERS, definition, { data: Object.assign(listState(), definition.data) });
}

// A list with a search box: data.keyword is what is typed, data.searched the keyword of the list shown,
// which the page's load(reset) sends. A new keyword empties the list while its first page loads.
const SEARCH_HANDLERS = {
  onKeywordInput(e) {
    this.setData({ keyword: e.detail.value });
  },

  search() {
    const keyword = (this.data.keyword || '').trim();
    if (keyword !== this.data.searched) this.setData({ keyword, searched: keyword, items: [] });
    return this.load(true);
  },

  clearSearch() {
    this.setData({ keyword: '', searched: '', items: [] });
    return this.load(true);
  },
};

function searchableListPage(definition) {
  const page = listPage(Object.assign({}, SEARCH_HANDLERS, definition));
  page.data = Object.assign({ keyword: '', searched: '' }, page.data);
  return page;
}

module.exports = { loadPage, clearList, listPage, searchableListPage, PER_PAGE };
