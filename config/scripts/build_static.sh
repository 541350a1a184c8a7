#!/bin/sh
# Collect the static files as production serves them, for the Docker image and the production smoke test alike
# (tests/production): DEBUG off, so the manifest storage fingerprints every file and writes staticfiles.json;
# whitenoise then serves them compressed with far-future cache headers. Without the manifest, every page using
# {% static %} would answer 500 under DEBUG=0.
#   VAR_DIR   where to write (STATIC_ROOT is $VAR_DIR/static; default: ./var)
#   PYTHON    the interpreter (default: python)
set -eu
cd "$(dirname "$0")/../.."
export DJANGO_SETTINGS_MODULE=config.settings.base DEBUG=0
# Loading production settings needs a SECRET_KEY and a DATABASE_URL; collectstatic signs nothing and opens no
# database.
SECRET_KEY="${SECRET_KEY:-collectstatic-build-only-not-a-secret}"
DATABASE_URL="${DATABASE_URL:-postgres://collectstatic-build-only@localhost/none}"
export SECRET_KEY DATABASE_URL
"${PYTHON:-python}" manage.py collectstatic --noinput --clear --verbosity 0
manifest="${VAR_DIR:-$PWD/var}/static/staticfiles.json"
if [ ! -s "$manifest" ]; then
    echo "collectstatic n'a pas écrit $manifest : la production répondrait 500." >&2
    exit 1
fi
