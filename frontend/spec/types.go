// Package spec defines the variant spec: its types, strict YAML loading with
// the position of every field, ${ARG} expansion, defaults and validation.
// It has no BuildKit imports; the graph package turns a resolved spec into LLB.
package spec

// Version is the only spec format version this frontend reads.
const Version = 1

// Spec is one variant: what the builder stage produces and what the final
// image contains.
type Spec struct {
	// Version is the spec format version; only 1 is accepted.
	Version int `yaml:"version" json:"version"`
	// Name identifies the variant in labels and progress output.
	Name string `yaml:"name" json:"name,omitempty"`
	// Description says what the variant is for; it becomes an image label.
	Description string `yaml:"description" json:"description,omitempty"`
	// Extends names a parent spec by its path in the build context. This
	// spec is merged over it: maps merge, named lists merge by name, package
	// lists append, other fields replace the parent's.
	Extends string `yaml:"extends" json:"extends,omitempty" expand:"-"`
	// Args declares build args with their defaults, used as ${NAME} in other
	// fields and overridden with --build-arg NAME=value.
	Args map[string]string `yaml:"args" json:"args,omitempty" expand:"-"`
	// Platforms are built when the client requests none, e.g. linux/amd64.
	Platforms []string `yaml:"platforms" json:"platforms,omitempty"`
	// Builder produces the executables, on the build platform where it can.
	Builder Builder `yaml:"builder" json:"builder,omitempty"`
	// Final describes the image that is returned, built on the target platform.
	Final Final `yaml:"final" json:"final,omitempty"`
	// Tests run in the finished image on every platform during the build.
	Tests []Test `yaml:"tests" json:"tests,omitempty"`
	// Remove drops entries that the parent spec defines.
	Remove Remove `yaml:"remove" json:"remove,omitempty" expand:"-"`
}

// Remove names parent entries to drop; naming one the parent lacks is an
// error.
type Remove struct {
	// Go lists Go tools by output name.
	Go []string `yaml:"go" json:"go,omitempty"`
	// Apt lists apt packages.
	Apt []string `yaml:"apt" json:"apt,omitempty"`
	// Run lists run steps by name.
	Run []string `yaml:"run" json:"run,omitempty"`
	// Tests lists tests by name.
	Tests []string `yaml:"tests" json:"tests,omitempty"`
	// Releases lists releases by name.
	Releases []string `yaml:"releases" json:"releases,omitempty"`
	// Sources lists sources by name.
	Sources []string `yaml:"sources" json:"sources,omitempty"`
	// Files lists downloaded files by path.
	Files []string `yaml:"files" json:"files,omitempty"`
	// Pip lists Python packages by name.
	Pip []string `yaml:"pip" json:"pip,omitempty"`
}

// Builder holds every source of executables.
type Builder struct {
	// Go lists Go tools installed with `go install MODULE@VERSION`.
	Go *Go `yaml:"go" json:"go,omitempty"`
	// Releases are prebuilt executables downloaded per target platform.
	Releases []Release `yaml:"releases" json:"releases,omitempty"`
	// Sources are built from git repositories with a shell command.
	Sources []Source `yaml:"sources" json:"sources,omitempty"`
}

// Source builds executables from a git repository: Run runs in the checkout
// and writes them to /out. It runs on the build platform with TARGETOS,
// TARGETARCH, TARGETVARIANT and TARGETPLATFORM in its environment, or on
// the target platform with Emulate.
type Source struct {
	// Name identifies the source in progress output and in extends/remove.
	Name string `yaml:"name" json:"name"`
	// Git is the repository URL.
	Git string `yaml:"git" json:"git"`
	// Ref is a tag, a branch or a full commit hash.
	Ref string `yaml:"ref" json:"ref"`
	// Image runs the command, e.g. golang:1.26.
	Image string `yaml:"image" json:"image"`
	// Run is the shell command; every file it writes to /out is an
	// executable. Declared args are in its environment.
	Run string `yaml:"run" json:"run" expand:"-"`
	// Emulate runs the command on the target platform instead.
	Emulate bool `yaml:"emulate" json:"emulate,omitempty"`
}

// Release is a prebuilt executable, downloaded either from a URL template or
// from a GitHub release's assets. In url, asset, checksums and extract,
// ${VERSION} is the release's version and ${ARCH} its arch token.
type Release struct {
	// Name is the executable's file name.
	Name string `yaml:"name" json:"name"`
	// Version is the release's version; with github, a tag or latest, and
	// ${VERSION} is the tag without a leading v.
	Version string `yaml:"version" json:"version"`
	// URL is the download URL; its file name tells the archive type: raw,
	// .tar, .tar.gz (.tgz), .tar.xz, .tar.zst, .tar.bz2 or .zip.
	URL string `yaml:"url" json:"url,omitempty" expand:"release"`
	// GitHub names the repository, owner/name, whose release assets hold
	// the download; instead of url.
	GitHub string `yaml:"github" json:"github,omitempty"`
	// Asset is a regular expression that must match exactly one asset name.
	Asset string `yaml:"asset" json:"asset,omitempty" expand:"release"`
	// Checksums is a regular expression matching the asset that lists the
	// assets' sha256 sums, which then verify the download.
	Checksums string `yaml:"checksums" json:"checksums,omitempty" expand:"release"`
	// API is the GitHub API's base URL; the default is https://api.github.com.
	API string `yaml:"api" json:"api,omitempty"`
	// Arch maps a target architecture (GOARCH) to its token in url; an
	// architecture not listed uses its GOARCH name.
	Arch map[string]string `yaml:"arch" json:"arch,omitempty"`
	// Extract names the archive member to keep; leave it out for a raw file.
	Extract string `yaml:"extract" json:"extract,omitempty" expand:"release"`
	// SHA256 maps each platform (linux/amd64) to the download's checksum,
	// which BuildKit verifies.
	SHA256 map[string]string `yaml:"sha256" json:"sha256,omitempty"`
}

// Go configures the Go toolchain image and the tools built with it.
type Go struct {
	// Image is the Go toolchain image, run on the build platform.
	Image string `yaml:"image" json:"image,omitempty"`
	// Ldflags are passed to every tool's build unless the tool sets its own.
	Ldflags string `yaml:"ldflags" json:"ldflags,omitempty"`
	// Tools are built in parallel, each cached on its own.
	Tools []GoTool `yaml:"tools" json:"tools,omitempty"`
}

// GoTool is one `go install MODULE@VERSION`.
type GoTool struct {
	// Module is the package path to install, e.g. github.com/mikefarah/yq/v4.
	Module string `yaml:"module" json:"module"`
	// Version is a semantic version (v1.2.3), a pseudo-version, or latest.
	Version string `yaml:"version" json:"version"`
	// Rename names the output file; the default is what go install names it.
	Rename string `yaml:"rename" json:"rename,omitempty"`
	// Tags are Go build tags.
	Tags []string `yaml:"tags" json:"tags,omitempty"`
	// Env sets extra environment variables for this tool's build.
	Env map[string]string `yaml:"env" json:"env,omitempty"`
	// Ldflags overrides builder.go.ldflags for this tool.
	Ldflags string `yaml:"ldflags" json:"ldflags,omitempty"`
	// Cgo builds the tool with CGO_ENABLED=1 on the target platform
	// (emulated when it differs from the build platform).
	Cgo bool `yaml:"cgo" json:"cgo,omitempty"`
}

// Final describes the image that is returned.
type Final struct {
	// Base is the base image, resolved for the target platform.
	Base string `yaml:"base" json:"base,omitempty"`
	// Apt installs Debian or Ubuntu packages.
	Apt Apt `yaml:"apt" json:"apt,omitempty"`
	// Pip installs Python packages into a virtual environment.
	Pip *Pip `yaml:"pip" json:"pip,omitempty"`
	// Locale is generated, e.g. en_US.UTF-8, and set as LANG.
	Locale string `yaml:"locale" json:"locale,omitempty"`
	// Files are downloaded into the image.
	Files []FileDownload `yaml:"files" json:"files,omitempty"`
	// Executables is where the builder's outputs go, owned by root with mode
	// 0755; it is prepended to PATH.
	Executables string `yaml:"executables" json:"executables,omitempty"`
	// Run lists named shell steps, run in order after everything else.
	Run []RunStep `yaml:"run" json:"run,omitempty"`
	// Env sets environment variables; values may use the base image's
	// variables, e.g. PATH: /x:${PATH}.
	Env map[string]string `yaml:"env" json:"env,omitempty" expand:"env"`
	// Workdir is the working directory of the image.
	Workdir string `yaml:"workdir" json:"workdir,omitempty"`
	// User is the user the image runs as.
	User string `yaml:"user" json:"user,omitempty"`
	// Entrypoint replaces the base image's entrypoint; setting it clears the
	// base image's cmd unless cmd is set too.
	Entrypoint []string `yaml:"entrypoint" json:"entrypoint,omitempty"`
	// Cmd replaces the base image's cmd.
	Cmd []string `yaml:"cmd" json:"cmd,omitempty"`
	// Expose lists ports, e.g. 22 or 53/udp.
	Expose []string `yaml:"expose" json:"expose,omitempty"`
	// Volumes lists absolute paths that are volumes.
	Volumes []string `yaml:"volumes" json:"volumes,omitempty"`
	// Labels are added to the image config.
	Labels map[string]string `yaml:"labels" json:"labels,omitempty"`
}

// Apt configures package installation in the final stage.
type Apt struct {
	// Upgrade runs apt-get upgrade before installing packages.
	Upgrade bool `yaml:"upgrade" json:"upgrade,omitempty"`
	// Packages are installed without recommended packages.
	Packages []string `yaml:"packages" json:"packages,omitempty"`
}

// RunStep is one named shell step of the final stage. Declared args are in
// its environment; ${NAME} in the command is left to the shell.
type RunStep struct {
	// Name identifies the step in progress output and in extends/remove.
	Name string `yaml:"name" json:"name"`
	// Shell is the command, run with /bin/sh -c.
	Shell string `yaml:"shell" json:"shell" expand:"-"`
	// Secrets are mounted for this step only, at /run/secrets/ID, from the
	// client's --secret id=ID; they never reach a layer or the history.
	Secrets []string `yaml:"secrets" json:"secrets,omitempty"`
}

// Test is a command run in the finished image; it passes when it exits
// with Exit and its output matches Expect.
type Test struct {
	// Name identifies the test in progress output and failures.
	Name string `yaml:"name" json:"name"`
	// Run is the command, run with /bin/sh -c in the image's environment.
	Run string `yaml:"run" json:"run" expand:"-"`
	// Expect is a regular expression the combined output must match; ^ and $
	// match at the start and end of every line.
	Expect string `yaml:"expect" json:"expect,omitempty" expand:"-"`
	// Exit is the expected exit code; the default is 0.
	Exit *int `yaml:"exit" json:"exit,omitempty"`
}

// FileDownload is a file downloaded into the final image.
type FileDownload struct {
	// URL is where the file comes from; its name tells the archive type
	// when Extract is set.
	URL string `yaml:"url" json:"url"`
	// Path is the absolute path of the file in the image.
	Path string `yaml:"path" json:"path"`
	// SHA256 is the download's checksum, which BuildKit verifies.
	SHA256 string `yaml:"sha256" json:"sha256,omitempty"`
	// Extract names the archive member to keep.
	Extract string `yaml:"extract" json:"extract,omitempty"`
	// Mode is the file's mode, in octal; the default is 0644.
	Mode string `yaml:"mode" json:"mode,omitempty"`
}

// Pip installs Python packages into a virtual environment whose bin
// directory is put on PATH. The python3-venv package is installed with apt.
type Pip struct {
	// Venv is the virtual environment's absolute path, e.g. /opt/pyenv.
	Venv string `yaml:"venv" json:"venv,omitempty"`
	// Packages are requirement specifiers, e.g. requests or semgrep==1.99.0.
	Packages []string `yaml:"packages" json:"packages,omitempty"`
	// Options are passed to pip install, e.g. [--index-url, URL].
	Options []string `yaml:"options" json:"options,omitempty"`
}
