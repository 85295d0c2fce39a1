# Installs one Go tool and copies it to /out. Every value comes from the
# environment, so nothing from the spec is parsed by the shell.
set -eu
go install -trimpath -tags "$CST_GO_TAGS" -ldflags "$CST_GO_LDFLAGS" \
	"$CST_GO_PACKAGE@$CST_GO_VERSION"
bin="$GOPATH/bin"
# Cross-compiled binaries land in a GOOS_GOARCH subdirectory.
cross="$bin/$(go env GOOS)_$(go env GOARCH)"
if [ -d "$cross" ]; then bin="$cross"; fi
cp "$bin/$CST_GO_BINARY" "/out/$CST_GO_OUTPUT"
chmod 0755 "/out/$CST_GO_OUTPUT"
