#!/usr/bin/env bash
# The system packages the tests need, installed with apt-get when missing (CI and `npm test`
# both call this). nginx: the grpc_pass proxy; chromium: the browser tests; python3-grpcio and
# python3-grpc-tools: the quickstart's Python client, a gRPC implementation other than ours.
# redis-server: chat rooms shared by replicas (`npm start -- --replicas=3` and the chat tests).
# nghttp2-client: h2load, the load generator of `npm run bench`.
set -euo pipefail

packages=(nginx chromium python3-grpcio python3-grpc-tools redis-server nghttp2-client)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
