# 码上办 backend image.
#
#   docker build -t mashangban .
#   docker run --rm --env-file prod.env mashangban flask --app backend db upgrade   # migrations: a separate step
#   docker run -d --env-file prod.env -p 8000:8000 -v msb-uploads:/data/uploads mashangban
#
# Production needs at least SECRET_KEY, DATABASE_URL, PUBLIC_BASE_URL, WECHAT_APPID, WECHAT_SECRET, WECHAT_PUSH_TOKEN
# and WECHAT_TEMPLATES
# (see README, "Docker").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A CJK font, so that QR labels and posters print real Chinese glyphs. Nothing else is needed:
# every Python dependency ships a manylinux wheel (psycopg[binary], pillow).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that code changes do not reinstall them. Runtime only, no dev/test tools.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY backend/ backend/
COPY schemas/ schemas/
COPY migrations/ migrations/
COPY deploy/gunicorn.conf.py deploy/serve.py deploy/healthcheck.py deploy/

# Run as an unprivileged user. It owns only what the app writes: instance/ (created by the app at
# start) and the upload directory (mount a volume there).
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /app/instance /data/uploads \
    && chown app:app /app/instance /data/uploads
USER app

# APP_ENV=production: the app refuses to start with the default SECRET_KEY.
# WECHAT_MODE=live: the real WeChat (a demo sets WECHAT_MODE=fake and runs the stand-in from this image, see README).
ENV APP_ENV=production \
    WECHAT_MODE=live \
    PORT=8000 \
    WEB_CONCURRENCY=2 \
    GUNICORN_THREADS=4 \
    UPLOAD_DIR=/data/uploads \
    FLASK_APP=backend

EXPOSE 8000
VOLUME ["/data/uploads"]

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]

# Bind 0.0.0.0:$PORT (8000), workers from WEB_CONCURRENCY, threads from GUNICORN_THREADS.
CMD ["python", "/app/deploy/serve.py", "--config", "/app/deploy/gunicorn.conf.py", "backend:create_app()"]
