#!/bin/sh
# Regenerate docs/summary.png, the README's picture of the Summary sheet: a sample's annotated
# workbook printed to PDF by LibreOffice, and that page turned into a PNG by pdftoppm.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
name=freelancer_one_anchor
"$root/.venv/bin/tierbook" report "$root/sample_workbooks/$name.xlsx" --out "$tmp/reports" >/dev/null
soffice "-env:UserInstallation=file://$tmp/profile" --headless --convert-to pdf --outdir "$tmp" \
    "$tmp/reports/$name/$name.annotated.xlsx" >/dev/null 2>&1
pdf="$tmp/$name.annotated.pdf"
pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
page=$(i=1; while [ "$i" -le "$pages" ]; do
    if pdftotext -f "$i" -l "$i" "$pdf" - | grep -q "tierbook summary:"; then echo "$i"; break; fi
    i=$((i + 1)); done)
pdftoppm -f "$page" -l "$page" -r 90 -png -singlefile "$pdf" "$root/docs/summary"
echo "docs/summary.png: page $page of $pages"
