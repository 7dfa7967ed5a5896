set -euo pipefail
base="https://github.com/pulumi/pulumi/releases/download/v${PULUMI_VERSION}"
tarball="pulumi-v${PULUMI_VERSION}-linux-x64.tar.gz"
checksums="pulumi-${PULUMI_VERSION}-checksums.txt"
cd "$RUNNER_TEMP"
curl -fsSL --retry 3 -o "$tarball" "${base}/${tarball}"
curl -fsSL --retry 3 -o "$checksums" "${base}/${checksums}"
grep " ${tarball}$" "$checksums" | sha256sum --check --strict -
tar -xzf "$tarball"
echo "$RUNNER_TEMP/pulumi" >> "$GITHUB_PATH"
