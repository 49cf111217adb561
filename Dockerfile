# gatebox in a container. The base comes from a build argument, and the binary is the one
# `npm run build` compiled (dist/gatebox holds the UI and migrations).
#
#   npm run build
#   docker build --build-arg BASE=debian:bookworm-slim -t gatebox .     # pulls the base from a registry
#   docker run -d -p 127.0.0.1:8080:8080 -p 127.0.0.1:7900:7900 \
#     -v /var/run/docker.sock:/var/run/docker.sock -v gatebox-data:/var/lib/gatebox \
#     -v $PWD/gatebox.yaml:/etc/gatebox/gatebox.yaml:ro \
#     -e GATEBOX_GERRIT_PASSWORD -e GATEBOX_ADMIN_TOKEN -e DOCS_UPLOAD_TOKEN gatebox
#
# (-e names every environment variable the config reads; those are examples/gatebox.yaml's.)
# Without a registry, build on a local base image instead, e.g. one made with debootstrap and
# `docker import` as scripts/ensure-debian-image.sh does: --build-arg BASE=gatebox-test/debian:bookworm.
#
# The base must be glibc-based (the Bun binary links against glibc) and provide git (the merger
# runs the real git); the image installs git when the base lacks it and apt can reach a mirror.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN command -v git >/dev/null 2>&1 || (apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*)
COPY dist/gatebox /usr/local/bin/gatebox
RUN mkdir -p /var/lib/gatebox /etc/gatebox && /usr/local/bin/gatebox version
# serve reads ./gatebox.yaml when there is one: mount the config as /etc/gatebox/gatebox.yaml.
# Without one it starts on its defaults and its page explains how to add a Gerrit connection.
WORKDIR /etc/gatebox
EXPOSE 8080 7900
# Inside a container both listeners must face the container's own interface (0.0.0.0): on
# 127.0.0.1 a published port reaches nothing. Publish them on the host's loopback only
# (-p 127.0.0.1:8080:8080). The web answers only the Host names it is known by (a 421 otherwise):
# the loopback names on port 8080, and web.url's host, so when users browse any other address
# (another published port, a name, a proxy) set web.url to it.
ENTRYPOINT ["/usr/local/bin/gatebox"]
CMD ["serve", "--data", "/var/lib/gatebox", "--listen", "0.0.0.0:8080", "--console-listen", "0.0.0.0:7900"]
