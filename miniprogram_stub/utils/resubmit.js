// A form sent again, changed, with the Idempotency-Key of an earlier submission whose answer was lost (网络
//连接失败, then the user edited and tapped again): the server answers 409 idempotency_key_reused. A key is
// kept only with a request that went through, so the earlier submission is there. The page says so in its
// own words and leads to where it is (我的…), and takes a new key: a new tap is then a new submission.
const { wxp } = require('./wxp');

const KEY_REUSED = 'idempotency_key_reused';

function keyReused(err) {
  return !!err && err.code === KEY_REUSED;
}

// {content, url}: what went through and where to find it; resolves to whether the user went there.
async function leadToEarlier(options) {
  let res;
  try {
    res = await wxp('showModal', {
      title: '已经提交过了', content: options.content, confirmText: '去查看', cancelText: '留在本页',
    });
  } catch (e) {
    return false;
  }
  if (!res || !res.confirm) return false;
  wx.redirectTo({ url: options.url });
  return true;
}

module.exports = { KEY_REUSED, keyReused, leadToEarlier };
