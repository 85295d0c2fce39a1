# One command builds the frontend from source and a variant with it:
#
#   docker buildx bake
#   docker buildx bake --set variant.args.BASE=debian:bookworm variant
#   docker buildx bake cloud              # a shipped variant: general, cloud, rice
#   docker buildx bake variants           # all three
#
# The variant's first line names the frontend image (FRONTEND below); bake
# hands BuildKit the freshly built frontend under that name, so nothing has
# to be published first.

variable "FRONTEND" {
  default = "cst-frontend"
}

variable "VARIANT" {
  default = "examples/go-tools/variant.yaml"
}

variable "TAG" {
  default = "cst-variant"
}

group "default" {
  targets = ["variant"]
}

target "frontend" {
  context    = "."
  dockerfile = "Dockerfile.frontend"
}

target "variant" {
  context    = "."
  dockerfile = VARIANT
  contexts = {
    "${FRONTEND}" = "target:frontend"
  }
  platforms = ["linux/amd64", "linux/arm64"]
  tags      = [TAG]
}

# The shipped variants, tagged cst-general, cst-cloud and cst-rice.
group "variants" {
  targets = ["general", "cloud", "rice"]
}

target "general" {
  inherits   = ["variant"]
  dockerfile = "variants/general/variant.yaml"
  tags       = ["cst-general"]
}

target "cloud" {
  inherits   = ["variant"]
  dockerfile = "variants/cloud/variant.yaml"
  tags       = ["cst-cloud"]
}

target "rice" {
  inherits   = ["variant"]
  dockerfile = "variants/rice/variant.yaml"
  tags       = ["cst-rice"]
}
