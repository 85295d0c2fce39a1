# Installs the packages given as arguments. The lists and the package cache
# are cache mounts, so neither is left in the image.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
if [ "$CST_APT_UPGRADE" = true ]; then
	apt-get -y upgrade
fi
if [ "$#" -gt 0 ]; then
	apt-get install -y --no-install-recommends "$@"
fi
