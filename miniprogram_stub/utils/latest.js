// Only the latest load of a page shows. A page reloads while an earlier load is still on its way (a year or
// level chosen, a pull-to-refresh, back from another page), and a step's answer (接单, 回复, 确认…) is the record
// as it is now: an answer that comes back after either is older, and is dropped rather than shown over them.

// Marks every load on its way as overtaken (a step's answer is shown instead); returns the new load's number.
function supersede(page) {
  page.loadSeq = (page.loadSeq || 0) + 1;
  return page.loadSeq;
}

// Runs work(current) as the page's latest load: data.loading is set (to options.loading, true by default; a
// page already showing its record refreshes it without the spinner) and data.error cleared. current() tells
// work whether it is still the latest, to check after each of its own awaits. If work throws while the
// latest, its message is shown in data.error. Resolves to work's answer, or null when overtaken or failed.
async function latestLoad(page, work, options) {
  const opts = options || {};
  const seq = supersede(page);
  const current = () => page.loadSeq === seq;
  page.setData({ loading: opts.loading === undefined ? true : opts.loading, error: '' });
  try {
    const result = await work(current);
    return current() ? result : null;
  } catch (err) {
    if (current()) page.setData({ loading: false, error: err.message });
    return null;
  }
}

module.exports = { latestLoad, supersede };
