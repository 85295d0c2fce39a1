# The two-Dockerfile baseline, stage one: the builder image, built once per
# platform and tagged as intermediate_builder, as toolbox projects do today.
FROM golang:1.26 AS go_builder
RUN go install github.com/mikefarah/yq/v4@v4.54.3
RUN go install filippo.io/age/cmd/age@AGE_VERSION
RUN mkdir -p /executables && cp /go/bin/* /executables/

FROM debian:bookworm
COPY --from=go_builder /executables /executables
