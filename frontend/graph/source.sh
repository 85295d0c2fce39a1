# Runs a source's command in its checkout, then makes sure it wrote at least
# one executable to /out. The command comes from the environment.
set -e
/bin/sh -c "$CST_SOURCE_RUN"
if [ -z "$(ls -A /out)" ]; then
	echo "source $CST_SOURCE_NAME wrote nothing to /out; its run command must write" \
		"the executables there" >&2
	exit 1
fi
chmod 0755 /out/*
