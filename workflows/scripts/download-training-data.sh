set -euo pipefail
url="${DATA_URL_TEMPLATE//\{month\}/$DATA_MONTH}"
mkdir -p "$(dirname "$DATA_FILE")"
curl -fsSL --retry 3 -o "$DATA_FILE" "$url"
echo "Downloaded $(du -h "$DATA_FILE" | cut -f1) from $url"
