#!/usr/bin/env bash
# Runs go test in each workspace module (go test ./... does not cross module
# boundaries), prints go test's own output, and closes with a count of test
# packages that passed and failed. Fails if any package failed.
#
#   test-go.sh MODULE...    e.g. test-go.sh shared migrations server desktop
#
# GO (default go) and TESTFLAGS (default -race -count=1) come from the environment.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit
GO=${GO:-go}
read -ra flags <<<"${TESTFLAGS--race -count=1}"
(($#)) || set -- shared migrations server desktop

out=$(mktemp "${TMPDIR:-/tmp}/manifold-test.XXXXXX")
trap 'rm -f "$out"' EXIT

failed_modules=()
for m in "$@"; do
	echo "== go test $m"
	(cd "$m" && "$GO" test "${flags[@]}" ./...) 2>&1 | tee -a "$out"
	((PIPESTATUS[0] == 0)) || failed_modules+=("$m")
done

passed=$(grep -cE '^ok[[:space:]]' "$out")
failed=$(grep -cE '^FAIL[[:space:]]+[^[:space:]]' "$out")
if ((${#failed_modules[@]})); then
	echo "go test failed in: ${failed_modules[*]}"
	# A module can fail without a FAIL line for a package (a setup error).
	((failed > 0)) || failed=${#failed_modules[@]}
fi
echo "packages: $passed passed, $failed failed"
((${#failed_modules[@]} == 0))
