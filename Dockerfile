# passport-vision: one image serving every API, models compiled in.
#
#   docker build -t passport-vision .                       # compiles in the Rust image
#   docker build --target prebuilt \
#     --build-arg BINARY=target/release/passport-vision -t passport-vision .
#                                                             # takes a binary built on a
#                                                             # Debian 12 (glibc 2.36) host
#   docker run -p 8080:8080 -v pv-data:/data passport-vision
#
# The two ways are two final stages over one runtime stage (selected with --target, not
# with a build argument in FROM, which podman/buildah 4 does not resolve to a stage).

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && cp target/release/passport-vision /passport-vision

FROM debian:bookworm-slim AS runtime
# CA certificates for S3 over HTTPS (URL fetching carries its own roots).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data pv \
    && mkdir -p /data && chown pv /data
USER pv
WORKDIR /data
ENV PV_LISTEN=0.0.0.0:8080 \
    PV_STORAGE_URL=file:///data
VOLUME /data
EXPOSE 8080
# /readyz over bash's /dev/tcp: no HTTP client needed in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /readyz HTTP/1.0\r\n\r\n" >&3 && head -1 <&3 | grep -q " 200 "'
ENTRYPOINT ["/usr/local/bin/passport-vision"]
CMD ["serve"]

FROM runtime AS prebuilt
ARG BINARY=target/release/passport-vision
COPY ${BINARY} /usr/local/bin/passport-vision

FROM runtime AS compiled
COPY --from=build /passport-vision /usr/local/bin/passport-vision
