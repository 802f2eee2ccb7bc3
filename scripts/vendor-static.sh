#!/usr/bin/env bash
# Re-vendor the front-end files from the npm registry (see src/smecredit/web/static/vendor/VERSIONS.md).
# Usage: scripts/vendor-static.sh [bootstrap-version htmx-version echarts-version swagger-ui-version icons-version]
set -euo pipefail
BS=${1:-5.3.9}; HX=${2:-2.0.11}; EC=${3:-5.6.0}; SW=${4:-5.35.0}; BI=${5:-1.13.2}
V="$(cd "$(dirname "$0")/.." && pwd)/src/smecredit/web/static/vendor"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
for p in "bootstrap@$BS" "htmx.org@$HX" "echarts@$EC" "swagger-ui-dist@$SW" "bootstrap-icons@$BI"; do
  name=${p%@*}; mkdir -p "$name"; npm pack "$p" --silent >/dev/null; tar xzf "$name"-*.tgz -C "$name"
done
mkdir -p "$V"/{bootstrap,htmx,echarts,swagger-ui,bootstrap-icons/fonts}
cp bootstrap/package/dist/css/bootstrap.min.css bootstrap/package/dist/js/bootstrap.bundle.min.js bootstrap/package/LICENSE "$V/bootstrap/"
cp htmx.org/package/dist/htmx.min.js htmx.org/package/LICENSE "$V/htmx/"
cp echarts/package/dist/echarts.min.js echarts/package/LICENSE "$V/echarts/"
cp swagger-ui-dist/package/swagger-ui-bundle.js swagger-ui-dist/package/swagger-ui.css swagger-ui-dist/package/LICENSE "$V/swagger-ui/"
cp bootstrap-icons/package/font/bootstrap-icons.min.css bootstrap-icons/package/LICENSE "$V/bootstrap-icons/"
cp bootstrap-icons/package/font/fonts/bootstrap-icons.woff2 "$V/bootstrap-icons/fonts/"
echo "vendored into $V; update VERSIONS.md"
