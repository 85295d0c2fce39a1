# Creates the virtual environment and installs into it; the arguments are
# pip's options, then the requirements.
set -eu
python3 -m venv "$CST_PIP_VENV"
"$CST_PIP_VENV/bin/pip" install --disable-pip-version-check --no-input "$@"
