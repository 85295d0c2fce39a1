# Runs a test's command and records its combined output and exit code; a
# check that follows judges them. The command comes from the environment.
set +e
/bin/sh -c "$CST_TEST_CMD" >/cst-test/output 2>&1
echo "$?" >/cst-test/exit
