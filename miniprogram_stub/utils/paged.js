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
    if (page.pagedSeq !== seq) return null;
    const rows = (res.items || []).map(opts.map || ((x) => x));
    const items = reset ? rows : page.data.items.concat(rows);
    page.setData({ items, page: next, total: res.total, hasMore: items.length < res.total, loading: false });
    return items;
  } catch (err) {
    if (page.pagedSeq !== seq) return null;
    // The API module has shown the message; the page shows it too, in place of the list.
    page.setData({ loading: false, error: err.message });
    return null;
  }
}

module.exports = { loadPage, PER_PAGE };
