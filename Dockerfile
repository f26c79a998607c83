# One image for every process of the portal: web (gunicorn), worker and beat (Celery), migrate.
# Built and run by docker-compose.yml. There is no Docker engine on the development machines: CI checks
# docker-compose.yml with `docker compose config`, and this file is built where the portal is deployed.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (PDF invoices, letters, transcripts) needs Pango and a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Static files are collected into the image (served by WhiteNoise). The settings require a SECRET_KEY and
# ALLOWED_HOSTS when DEBUG is off; these build-time values are used for nothing else.
RUN DEBUG=false SECRET_KEY=collectstatic-at-build-time-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

# Run as an unprivileged user. /data/private is MEDIA_ROOT (private documents: PDFs, audit uploads); a
# named volume mounted there starts with this ownership.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home app \
    && mkdir -p /data/private \
    && chown app:app /data/private
ENV MEDIA_ROOT=/data/private
USER app

EXPOSE 8000
CMD ["gunicorn", "amtportal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
