# LabelFlow's container image: `labelflow serve` on :8080 by default;
# `worker` and `migrate` (or any subcommand) as the command instead:
#   docker run IMAGE                      # serve
#   docker run IMAGE worker               # job worker beside servers (PostgreSQL)
#   docker run IMAGE migrate              # apply migrations, print the version
#   docker run IMAGE backup --out /var/lib/labelflow/backup.db
# Configuration is the LABELFLOW_* environment (`labelflow --help`).
#
# Three stages: the C build runs the same scripts/install-deps and make as
# CI; the UI is built by Vite in a Node stage; the runtime is Debian 12
# slim with only the packages holding the shared libraries the binary is
# linked against (worked out from the binary itself in the build stage,
# so a new library cannot be forgotten). `make image` builds this with
# podman; BASE_IMAGE / NODE_IMAGE name the base images (on machines with
# no registry, `make image` makes a local debian:12-slim with mmdebstrap).
ARG BASE_IMAGE=debian:12-slim
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
# install-deps first and alone: this layer is reused until the script
# changes, so a source change does not download the toolchain again.
COPY scripts/install-deps scripts/
RUN scripts/install-deps build && rm -rf /var/lib/apt/lists/*
COPY Makefile ./
COPY scripts/openapi-embed scripts/
COPY openapi openapi
COPY src src
RUN make build/labelflow \
	&& install -D -s -m 0755 build/labelflow /out/usr/local/bin/labelflow
# The Debian packages that own the libraries the binary names (its ELF
# NEEDED entries, e.g. libjansson4, libavcodec59): the runtime stage
# installs exactly these, and apt brings what they depend on.
# (Only this architecture's copy: libc6-i386 also has a libc.so.6.)
RUN arch=$(gcc -print-multiarch) \
	&& objdump -p /out/usr/local/bin/labelflow | awk '$1 == "NEEDED" { print $2 }' \
	| while read -r lib; do dpkg -S "*/$lib" | grep "/$arch/" | cut -d: -f1; done \
	| sort -u > /out/runtime-packages \
	&& cat /out/runtime-packages

FROM ${NODE_IMAGE} AS ui
WORKDIR /src
COPY scripts/install-deps scripts/
COPY web/package.json web/package-lock.json web/
# Node 20.19+ (from the npm registry when the base's is older) and
# `npm ci` in web/, reused until the lock file or the script changes.
# The optional build secret extra_ca is a PEM file of certificates to
# trust besides Node's own, for networks whose egress proxy re-signs TLS
# (scripts/image passes the machine's local CAs); without it Node only
# warns that the file is missing.
RUN --mount=type=secret,id=extra_ca \
	NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca scripts/install-deps ui \
	&& rm -rf /var/lib/apt/lists/*
COPY Makefile ./
# The UI's API types are generated from the OpenAPI document at build.
COPY openapi openapi
COPY web web
RUN make web && test -f web/dist/index.html

FROM ${BASE_IMAGE}
COPY --from=build /out/runtime-packages /tmp/runtime-packages
# curl is for HEALTHCHECK (it adds little: libcurl is already needed);
# ca-certificates for https object storage and webhooks.
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		ca-certificates curl $(cat /tmp/runtime-packages) \
	&& apt-get clean \
	&& rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/dpkg.log /tmp/runtime-packages \
	&& useradd --system --uid 10001 --user-group --home-dir /var/lib/labelflow \
		--shell /usr/sbin/nologin labelflow \
	&& install -d -o labelflow -g labelflow -m 0750 /var/lib/labelflow
COPY --from=build /out/usr/local/bin/labelflow /usr/local/bin/labelflow
COPY --from=ui /src/web/dist /usr/share/labelflow/web
# Defaults for a container: listen on every interface, data (SQLite, blobs,
# the JWT key) in the volume. Production sets LABELFLOW_DB to PostgreSQL
# and LABELFLOW_STORAGE to an object store instead.
ENV LABELFLOW_LISTEN=0.0.0.0:8080 \
	LABELFLOW_DB=sqlite:/var/lib/labelflow/labelflow.db \
	LABELFLOW_STORAGE=file:/var/lib/labelflow/blobs \
	LABELFLOW_WEB_DIR=/usr/share/labelflow/web \
	LABELFLOW_TMPDIR=/tmp
USER labelflow:labelflow
WORKDIR /var/lib/labelflow
VOLUME /var/lib/labelflow
EXPOSE 8080
# labelflow may be PID 1: it blocks SIGTERM/SIGINT in every thread and
# takes them with sigwait (src/cli/app.c), which works for PID 1 too
# (the kernel only drops signals PID 1 left at their default action), so
# `docker stop` drains in-flight requests (10 s) and lets running jobs end.
STOPSIGNAL SIGTERM
# /readyz also asks the database. Workers serve no HTTP: give them
# `--no-healthcheck` (compose and Kubernetes files do).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
	CMD curl -fsS -o /dev/null http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/labelflow"]
CMD ["serve"]
