#!/bin/sh
# Debian packages the tests need: Chromium for Playwright (never `playwright install`, which downloads a browser),
# the libraries and fonts WeasyPrint renders PDFs with, and Caddy to validate the reverse proxy's configuration.
set -u
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing="$missing libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
[ -d /usr/share/fonts/truetype/dejavu ] || missing="$missing fonts-dejavu-core"
command -v caddy >/dev/null 2>&1 || missing="$missing caddy"
if [ -n "$missing" ]; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "Installation de :$missing (apt)…"
        $SUDO apt-get update -qq >/dev/null 2>&1
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null || {
            echo "Impossible d'installer :$missing" >&2; exit 1; }
    else
        echo "Paquets manquants :$missing — installez-les (Chromium sous /usr/bin/chromium)." >&2
        exit 1
    fi
fi
echo "Chromium, les bibliothèques PDF et Caddy sont présents."
