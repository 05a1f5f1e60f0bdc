#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the libFuzzer targets for longer than the regression test does.
#
#   test/fuzz/run.sh [SECONDS] [TARGET...]    default 60 s each, all targets
#   test/fuzz/run.sh --coverage [TARGET...]   lines of lib/ each target's
#                                             corpus covers (llvm-cov)
#
# Builds into build-fuzz/ (clang, -fsanitize=fuzzer,address,undefined; set
# FUZZ_BUILD to move it) and, for --coverage, build-fuzz-cov/
# (-fprofile-instr-generate -fcoverage-mapping). One target at a time,
# under nice -n 19. Each target starts from the seeds make_corpus.py
# builds from ../shared/captures (RDPNEG_CAPTURES overrides the path), its
# regression inputs (test/fuzz/regress/<target>/) and what earlier runs
# found (build-fuzz/fuzz-corpus/<target>/, kept between runs). A crash,
# leak, sanitizer report or failed FUZZ_ASSERT is written to
# build-fuzz/fuzz-artifacts/ and counts as a failure; copy the input to
# test/fuzz/regress/<target>/ once the bug is understood.
# Last line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${FUZZ_BUILD:-$ROOT/build-fuzz}
ALL=(x224 tsrequest spnego ntlm cert overrides explain reported session tls nla)

coverage=0
secs=60
if [ "${1:-}" = --coverage ]; then
  coverage=1
  shift
elif [[ ${1:-} =~ ^[0-9]+$ ]]; then
  secs=$1
  shift
fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${ALL[@]}")

command -v clang >/dev/null || { echo "clang missing: ./test/lab/lab.sh install"; exit 1; }

setup() { # dir c_args...
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    CC=clang meson setup "$dir" "$@" >/dev/null || exit 1
  fi
}

if [ $coverage = 0 ]; then
  setup "$BUILD" -Dc_args=-fsanitize=fuzzer-no-link \
    -Db_sanitize=address,undefined -Db_lundef=false
  ninja -C "$BUILD" test/fuzz/corpus.stamp \
    $(printf 'test/fuzz/fuzz_%s ' "${targets[@]}") >/dev/null || exit 1
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
  mkdir -p "$BUILD/fuzz-artifacts" "$BUILD/fuzz-logs"
  pass=0 fail=0
  printf '%-10s %12s %9s %7s %7s %s\n' target executions exec/s cov corpus result
  for t in "${targets[@]}"; do
    work=$BUILD/fuzz-corpus/$t
    mkdir -p "$work"
    log=$BUILD/fuzz-logs/$t.log
    before=$(ls "$BUILD/fuzz-artifacts" | wc -l)
    dirs=("$work" "$BUILD/test/fuzz/corpus/$t")
    [ -d "test/fuzz/regress/$t" ] && dirs+=("test/fuzz/regress/$t")
    nice -n 19 "$BUILD/test/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/$t-" \
      "${dirs[@]}" >"$log" 2>&1
    rc=$?
    after=$(ls "$BUILD/fuzz-artifacts" | wc -l)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
    corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
    if [ $rc -eq 0 ] && [ "$after" -eq "$before" ]; then
      result=ok
      pass=$((pass + 1))
    else
      result="FAILED (exit $rc, see $log)"
      fail=$((fail + 1))
    fi
    printf '%-10s %12s %9s %7s %7s %s\n' "$t" "${execs:-?}" "${rate:-?}" \
      "${cov:-?}" "${corp:-?}" "$result"
  done
  echo "$pass passed, $fail failed"
  [ $fail -eq 0 ]
  exit
fi

# --coverage: replay every corpus through an instrumented standalone build
COV=${BUILD}-cov
# instrumented helpers run during the build (pcap_streams) write here
export LLVM_PROFILE_FILE=$COV/profiles/build-%p.profraw
setup "$COV" -Dc_args="-fprofile-instr-generate -fcoverage-mapping" \
  -Dc_link_args="-fprofile-instr-generate"
ninja -C "$COV" test/fuzz/corpus.stamp \
  $(printf 'test/fuzz/fuzz_%s ' "${targets[@]}") >/dev/null || exit 1
mkdir -p "$COV/profiles"
# lines of lib/ only: the files of lib/ each program links (lib/uv, the
# libuv driver, is in none of them)
only_lib=-ignore-filename-regex='(^|/)(test|include)/'
printf '%-10s %8s %14s %s\n' target inputs "lines of lib/" "%"
total_files=()
for t in "${targets[@]}"; do
  rm -f "$COV/profiles/$t".*
  LLVM_PROFILE_FILE="$COV/profiles/$t.profraw" \
    "$COV/test/fuzz/fuzz_$t" "$BUILD/fuzz-corpus/$t" \
    "$COV/test/fuzz/corpus/$t" "test/fuzz/regress/$t" >"$COV/profiles/$t.tap" 2>&1
  llvm-profdata merge -o "$COV/profiles/$t.profdata" "$COV/profiles/$t.profraw"
  n=$(grep -oE '[0-9]+ inputs' "$COV/profiles/$t.tap" | awk '{s += $1} END {print s + 0}')
  line=$(llvm-cov report "$COV/test/fuzz/fuzz_$t" \
    -instr-profile="$COV/profiles/$t.profdata" $only_lib | tail -n 1)
  # TOTAL regions missed cover functions missed cover lines missed cover ...
  read -r _ _ _ _ _ _ _ lines lmiss lpct _ <<<"$line"
  printf '%-10s %8s %14s %s\n' "$t" "$n" "$((lines - lmiss))/$lines" "$lpct"
  total_files+=("$COV/profiles/$t.profraw")
done
llvm-profdata merge -o "$COV/profiles/all.profdata" "${total_files[@]}"
objs=()
for t in "${targets[@]}"; do objs+=(-object "$COV/test/fuzz/fuzz_$t"); done
line=$(llvm-cov report "${objs[@]:1}" -instr-profile="$COV/profiles/all.profdata" \
  $only_lib | tail -n 1)
read -r _ _ _ _ _ _ _ lines lmiss lpct _ <<<"$line"
printf '%-10s %8s %14s %s\n' "all" "" "$((lines - lmiss))/$lines" "$lpct"
