# The two-Dockerfile baseline, stage two: the final image on top of the
# builder image that stage one pushed.
ARG BUILDER
FROM ${BUILDER} AS intermediate_builder

FROM debian:bookworm
RUN apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends jq && \
    rm -rf /var/lib/apt/lists/*
COPY --from=intermediate_builder /executables /opt/executables
RUN chown -R root:root /opt/executables && chmod 755 /opt/executables/*
ENV PATH=/opt/executables:$PATH
