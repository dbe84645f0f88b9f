#!/bin/sh
# The real programs the slow tests open outputs with: LibreOffice (the workbook) and Chromium
# (the briefing, with Noto fonts for Chinese and Persian), from Debian's packages. Installs
# what is missing when run as root with apt; otherwise says what to install. Idempotent, and
# quiet when everything is there.
set -eu
missing=""
command -v soffice >/dev/null 2>&1 || missing="$missing libreoffice-calc-nogui"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"
# Fonts that cover every language of the briefing, so screenshots show real glyphs.
fc-list 2>/dev/null | grep -q "NotoSansCJK" || missing="$missing fonts-noto-cjk"
fc-list 2>/dev/null | grep -q "NotoSansArabic" || missing="$missing fonts-noto-core"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing for the real-program tests:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing fonts-dejavu-core >/dev/null
else
    echo "The slow tests need:$missing (Debian packages). Install them, or run 'make test-fast'." >&2
    exit 1
fi
