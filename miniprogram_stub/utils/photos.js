// Photos chosen, uploaded and retried on a form: the methods the filing page and a research report's page
// share. A page mixes them in (`Page(Object.assign({...}, photoMethods))`) and keeps in its data `photos`
// ({key, path, status: 'uploading' | 'done' | 'failed', id}) and `maxPhotos`.
const api = require('./api');
const { wxp, toast } = require('./wxp');

const photoMethods = {
  // Resolves to the keys of the photos added ([] when none: full, or the picker cancelled).
  async choosePhotos() {
    const room = this.data.maxPhotos - this.data.photos.length;
    if (room <= 0) {
      toast('最多上传 ' + this.data.maxPhotos + ' 张照片');
      return [];
    }
    let res;
    try {
      res = await wxp('chooseMedia', {
        count: room, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'],
      });
    } catch (e) {
      return []; // cancelled
    }
    const added = (res.tempFiles || []).slice(0, room).map((f) => ({
      key: api.newIdempotencyKey(), path: f.tempFilePath, status: 'uploading', id: null,
    }));
    this.setData({ photos: this.data.photos.concat(added) });
    await Promise.all(added.map((p) => this.uploadPhoto(p.key)));
    return added.map((p) => p.key);
  },

  updatePhoto(key, patch) {
    const index = this.data.photos.findIndex((p) => p.key === key);
    if (index < 0) return; // removed meanwhile
    const changes = {};
    Object.keys(patch).forEach((field) => { changes['photos[' + index + '].' + field] = patch[field]; });
    this.setData(changes);
  },

  async uploadPhoto(key) {
    const photo = this.data.photos.find((p) => p.key === key);
    if (!photo) return null;
    this.updatePhoto(key, { status: 'uploading' });
    try {
      // The photo's key goes with every retry of its upload: one stored image per photo.
      const out = await api.uploadPhoto(photo.path, photo.key);
      this.updatePhoto(key, { status: 'done', id: out.id });
      return out;
    } catch (err) {
      this.updatePhoto(key, { status: 'failed' });
      return null;
    }
  },

  retryPhoto(e) {
    return this.uploadPhoto(e.currentTarget.dataset.key);
  },

  removePhoto(e) {
    const key = e.currentTarget.dataset.key;
    this.setData({ photos: this.data.photos.filter((p) => p.key !== key) });
  },
};

module.exports = { photoMethods };
