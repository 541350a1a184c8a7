FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements/base.txt
COPY . .
# The same script as the production smoke test (tests/production/test_smoke.py): production settings, manifest written.
RUN sh config/scripts/build_static.sh
RUN useradd --create-home portal && mkdir -p /app/var/media && chown -R portal /app/var/media
USER portal
EXPOSE 8000
# Reached only through the reverse proxy (docker-compose: Caddy), which adds X-Forwarded-For and -Proto.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
