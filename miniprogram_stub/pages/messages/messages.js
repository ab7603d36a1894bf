// 消息: every notice the server sent this user (in WeChat too, if they subscribed), newest first; an unread
// one in bold with a dot. Tapping one marks it read and opens the page it is about; 全部已读 marks them all.
// A notice sent to a console account (a station or region administrator, through the WeChat user it linked)
// has no page: that user holds no administrator's role here, so it says where to handle it instead.
const api = require('../../utils/api');
const { listPage, loadPage } = require('../../utils/paged');
const { formatTime } = require('../../utils/format');

const CONSOLE_HINT = '请在管理后台处理';

function presentMessage(message) {
  return {
    id: message.id,
    title: message.title,
    lines: message.lines.map((line) => (line.label ? line.label + '：' : '') + line.value),
    page: message.page || '',
    hint: message.page ? '' : CONSOLE_HINT,
    read: message.read,
    createdText: formatTime(message.created_at),
  };
}

Page(listPage({
  data: { unread: 0 },

  onLoad() {
    return this.load(true);
  },

  // Back from a message's page: the pages loaded stay, and with them the user's place in the list (the
  // tapped message is marked read here already, by open). Only the newest message is asked, with the counts;
  // when it, the count of all or of the unread differs from the list shown (a notice arrived; one was read
  // elsewhere, opening its item reads its notices) the list is read again from its newest.
  async onShow() {
    if (!this.shownOnce) {
      this.shownOnce = true; // the first show is onLoad's
      return null;
    }
    if (this.data.loading) return null;
    if (this.data.error && !this.data.items.length) return this.load(true); // the list never loaded: try again
    let now;
    try {
      now = await api.newestMessage();
    } catch (err) {
      return null; // the list shown stays; a pull-down reads it again
    }
    const newest = (now.items || [])[0];
    const shown = this.data.items[0];
    if (now.unread === this.data.unread && now.total === this.data.total
        && (newest ? newest.id : null) === (shown ? shown.id : null)) return null;
    return this.load(true);
  },

  load(reset) {
    return loadPage(this, (paging) => api.messages(paging).then((res) => {
      this.setData({ unread: res.unread });
      return res;
    }), { reset, map: presentMessage });
  },

  // Read first (the badge is right when the user comes back), but a message that cannot be marked still opens.
  async open(e) {
    const id = e.currentTarget.dataset.id;
    const index = this.data.items.findIndex((m) => m.id === id);
    if (index < 0) return;
    const message = this.data.items[index];
    if (!message.read) {
      try {
        const res = await api.markMessagesRead([id]);
        // Found again: a reload meanwhile (pulled down) may have moved it.
        const now = this.data.items.findIndex((m) => m.id === id);
        const changes = { unread: res.unread };
        if (now >= 0) changes['items[' + now + '].read'] = true;
        this.setData(changes);
      } catch (err) {
        // api has shown why; the page it is about opens all the same.
      }
    }
    if (message.page) wx.navigateTo({ url: '/' + message.page });
  },

  async readAll() {
    if (!this.data.unread) return null;
    try {
      const res = await api.markMessagesRead();
      this.setData({ items: this.data.items.map((m) => Object.assign({}, m, { read: true })), unread: res.unread });
      return res;
    } catch (err) {
      return null;
    }
  },
}));
