#!/usr/bin/env bash
# Records what Debian's real iptables 1.8.9 (nf_tables backend) prints, as the
# expected output rawgate's iptables layer is tested against (no root needed at
# test time: test/iptables/fixtures.test.ts reads the expected file).
#
# usage: scripts/iptables-fixtures/generate.sh CORPUS [EXPECTED]
#   CORPUS    test/iptables/fixtures/corpus-NAME.txt
#   EXPECTED  default: the same directory, expected-NAME.txt
# Needs root, iptables (nft), nft and iproute2. Every case runs in a network
# namespace this script creates (unique name) and deletes on exit, also on failure;
# the ruleset is reset (`nft flush ruleset`) before each case. Nothing touches
# the root namespace.
#
# CORPUS format: one case per line; blank lines and lines starting with '#' are
# ignored. Words are split as the shell splits them: double and single quotes,
# backslash, and bash's $'...' (\n, \t, \\, \', \", \xHH and \NNN octal escapes,
# octal for non-ASCII bytes: $'a\342\200\250b' is U+2028); use only those forms.
#   TABLE CHAIN ARGS...
#       a rule case: runs `iptables -t TABLE -A CHAIN ARGS...`; records its exit
#       status and stderr, and when it succeeds the table's `-A` lines of
#       iptables-save, the chain's `-A` lines of `iptables -S CHAIN`, and the rule
#       rows of `iptables -L CHAIN -n -v` (without the two header lines).
#   @ CMD ; CMD ; ...
#       a script case: each CMD (iptables, iptables-save or iptables-restore with
#       arguments) runs in order; records each command's status, stdout (minus
#       iptables-save's '#' lines) and stderr. `CMD <<< TEXT` feeds TEXT (with \n
#       escapes, as printf %b reads them) to the command's stdin.
#       `iptables-save | iptables-restore ARGS` is the one pipeline: the save
#       output is fed to the restore; records the restore's status, the
#       stderr of both and the restore's stdout (the round trip of the ruleset).
#
# EXPECTED format: for each case, `CASE <line>` then, per command run,
#   CMD <argv>   RC <status>   ERR <stderr line>   OUT <stdout line>
# and for rule cases also SAVE / S / LNV lines. Line contents are verbatim,
# trailing spaces included.
set -euo pipefail

corpus=${1:?usage: generate.sh CORPUS [EXPECTED]}
name=$(basename "$corpus" .txt); name=${name#corpus-}
out=${2:-$(dirname "$corpus")/expected-$name.txt}

ns="rgfx$$-$RANDOM"
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
inns() { ip netns exec "$ns" "$@"; }

tmp=$(mktemp -d)
trap 'ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"' EXIT

prefix() { # prefix TAG FILE: print every line of FILE as "TAG line"
  local tag=$1 f=$2 line
  while IFS= read -r line || [ -n "$line" ]; do printf '%s %s\n' "$tag" "$line"; done < "$f"
}

run_pipe() { # run_pipe "iptables-save ARGS | iptables-restore ARGS"
  local cmd=$1 rc=0
  printf 'CMD %s\n' "$cmd"
  eval "set -- ${cmd%% | *}"
  inns "$@" </dev/null >"$tmp/pipe" 2>"$tmp/err" || true
  eval "set -- ${cmd#* | }"
  inns "$@" <"$tmp/pipe" >"$tmp/out" 2>>"$tmp/err" || rc=$?
  printf 'RC %s\n' "$rc"
  prefix ERR "$tmp/err"
  prefix OUT "$tmp/out"
}

run_cmd() { # run_cmd CMDSTRING: one command of a script case
  local cmd=$1 input="" rc
  if [[ "$cmd" == "iptables-save"*" | iptables-restore"* ]]; then run_pipe "$cmd"; return; fi
  if [[ "$cmd" == *" <<< "* ]]; then input=${cmd#* <<< }; cmd=${cmd%% <<< *}; fi
  eval "set -- $cmd"
  printf 'CMD %s\n' "$cmd"
  rc=0
  if [ -n "$input" ]; then
    printf '%b' "$input" | inns "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  else
    inns "$@" </dev/null >"$tmp/out" 2>"$tmp/err" || rc=$?
  fi
  printf 'RC %s\n' "$rc"
  if [ "$1" = iptables-save ]; then grep -a -v '^#' "$tmp/out" >"$tmp/out2" || true; mv "$tmp/out2" "$tmp/out"; fi
  prefix ERR "$tmp/err"
  prefix OUT "$tmp/out"
}

: >"$out.new"
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue ;; esac
  inns nft flush ruleset
  {
    printf 'CASE %s\n' "$line"
    if [[ "$line" == '@ '* ]]; then
      rest=${line#@ }
      while [ -n "$rest" ]; do
        if [[ "$rest" == *" ; "* ]]; then c=${rest%% ; *}; rest=${rest#* ; }; else c=$rest; rest=""; fi
        run_cmd "$c"
      done
    else
      eval "set -- $line"
      table=$1 chain=$2; shift 2
      rc=0
      inns iptables -t "$table" -A "$chain" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
      printf 'RC %s\n' "$rc"
      prefix ERR "$tmp/err"
      if [ "$rc" = 0 ]; then
        inns iptables-save -t "$table" | grep -a '^-A ' >"$tmp/save" || true
        prefix SAVE "$tmp/save"
        inns iptables -t "$table" -S "$chain" | grep -a '^-A ' >"$tmp/s" || true
        prefix S "$tmp/s"
        inns iptables -t "$table" -L "$chain" -n -v | tail -n +3 >"$tmp/l" || true
        prefix LNV "$tmp/l"
      fi
    fi
  } >>"$out.new"
done < "$corpus"
mv "$out.new" "$out"
echo "wrote $out"
