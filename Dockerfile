# Production-like image: gunicorn for the web, the same image for the Celery worker and beat.
FROM node:22-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/data/media
WORKDIR /app
RUN useradd --system --create-home --uid 1000 itsm && mkdir -p /data/media && chown -R itsm /data
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
COPY . .
COPY --from=assets /src/node_modules ./node_modules
# collectstatic needs settings that import cleanly: a throwaway key, never used at run time.
RUN SECRET_KEY=collectstatic-only DEBUG=0 python manage.py collectstatic --no-input -v 0
USER itsm
EXPOSE 8000
CMD ["gunicorn", "itsm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
