// Command cst-frontend is a BuildKit frontend that builds tool images from a
// variant spec. BuildKit runs it when a spec's first line is
// `# syntax=<this image>`. Given a helper subcommand, it runs that check
// instead; the frontend runs those inside the build graph.
package main

import (
	"fmt"
	"os"

	"github.com/cst-frontend/cst-frontend/frontend/gateway"
	"github.com/cst-frontend/cst-frontend/frontend/helper"
	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
)

func main() {
	if len(os.Args) > 1 && helper.Is(os.Args[1]) {
		if err := helper.Run(os.Args[1:], os.Stderr); err != nil {
			fmt.Fprintf(os.Stderr, "cst-frontend %s: %v\n", os.Args[1], err)
			os.Exit(1)
		}
		return
	}
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), gateway.Build); err != nil {
		fmt.Fprintf(os.Stderr, "cst-frontend: %v\n", err)
		os.Exit(1)
	}
}
