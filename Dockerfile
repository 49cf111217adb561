# gatebox in a container. No registry is needed: the base comes from a build argument, and the
# binary is the one `bun run build` compiled (dist/gatebox holds the UI and migrations).
#
#   bun run build
#   docker build --build-arg BASE=debian:bookworm-slim -t gatebox .
#   docker run -d -p 127.0.0.1:8080:8080 -v /var/run/docker.sock:/var/run/docker.sock \
#     -v gatebox-data:/var/lib/gatebox -v $PWD/gatebox.yaml:/etc/gatebox/gatebox.yaml:ro \
#     -e GATEBOX_GERRIT_PASSWORD gatebox
#
# The base must be glibc-based (the Bun binary links against glibc) and provide git (the merger
# runs the real git); the image installs git when the base lacks it and apt can reach a mirror.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN command -v git >/dev/null 2>&1 || (apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*)
COPY dist/gatebox /usr/local/bin/gatebox
RUN mkdir -p /var/lib/gatebox /etc/gatebox && /usr/local/bin/gatebox version
WORKDIR /var/lib/gatebox
EXPOSE 8080 7900
# Inside a container the listener must face the container's own interface; publish it on the
# host's loopback only (-p 127.0.0.1:8080:8080).
ENTRYPOINT ["/usr/local/bin/gatebox"]
CMD ["serve", "--data", "/var/lib/gatebox", "--listen", "0.0.0.0:8080"]
