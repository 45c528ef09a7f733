#!/usr/bin/env bash
# Build the image from a clean checkout of HEAD and check that it runs (issue 19):
# as uid 10001, answering `adlens health` (its HEALTHCHECK) and /v1/score with the
# encoder from the image, and stopping on SIGTERM. Not run in CI: the release build
# inside the container takes 15-30 min on 2 cores.
#
#   deploy/image/check.sh            # needs buildah; podman's runtime is not used
#
# Docker Hub unreachable? Run deploy/image/local-bases.sh first.
set -euo pipefail
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
tag=${TAG:-localhost/adlens:0.1.0}
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
git clone -q "$repo" "$ctx/src"
start=$(date +%s)
buildah bud --isolation chroot --format docker --layers -t "$tag" "$ctx/src"
echo "built $tag in $(( $(date +%s) - start )) s"
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$tag"

ctr=$(buildah from "$tag")
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true; rm -rf "$ctx"' EXIT
buildah run --isolation chroot "$ctr" -- adlens serve >"$ctx/serve.log" 2>&1 &
healthy=""
for i in $(seq 1 60); do
    if buildah run --isolation chroot "$ctr" -- adlens health --timeout 2s >/dev/null 2>&1; then
        healthy=$(( i * 3 )); break
    fi
    sleep 3
done
[ -n "$healthy" ] || { echo "never healthy"; cat "$ctx/serve.log"; exit 1; }
echo "healthy within ${healthy} s"
pid=$(ps -eo pid,uid,args | awk '$2==10001 && $3=="/usr/local/bin/adlens" && $4=="serve" {print $1}' | head -1)
[ -n "$pid" ] || { echo "no adlens process running as uid 10001"; exit 1; }
echo "serving as uid 10001 (pid $pid), RSS $(awk '/VmRSS/ {print $2, $3}' "/proc/$pid/status")"
curl -sf -X POST localhost:8080/v1/score -H 'content-type: application/json' \
    -d '{"text":"姐妹们闭眼入！戳左下角链接"}' | grep -q '"ad_probability"'
curl -sf localhost:8080/info | grep -q '\["encoder","used"\]' || { echo "encoder not in use"; exit 1; }
echo "/v1/score answers, encoder in use"
kill -TERM "$pid"
for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
if kill -0 "$pid" 2>/dev/null; then echo "still running 40 s after SIGTERM"; exit 1; fi
grep -q '"stopped"' "$ctx/serve.log" && echo "stopped cleanly on SIGTERM"
