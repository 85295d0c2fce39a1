// Command cst-frontend is a BuildKit frontend that builds tool images from a
// variant spec. BuildKit runs it when a spec's first line is
// `# syntax=<this image>`.
package main

import (
	"fmt"
	"os"

	"github.com/cst-frontend/cst-frontend/frontend/gateway"
	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
)

func main() {
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), gateway.Build); err != nil {
		fmt.Fprintf(os.Stderr, "cst-frontend: %v\n", err)
		os.Exit(1)
	}
}
