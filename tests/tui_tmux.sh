#!/usr/bin/env bash
# Drives the real dashboard in tmux, as a person would, and checks the shell is usable after.
#
#   tests/tui_tmux.sh [PATH-TO-SHOPLAB]     (default: target/debug/shoplab)
#
# TUI_TMUX_PANIC=1|0 forces the panic check on or off; by default it runs for a binary in a
# `debug` folder, as only debug builds have the test panic.
# Checks: the dashboard opens at 80x24 and the day counter moves; `?` lists the keys; a
# resize below 80x24 asks for room and a resize to 200x50 draws again; `q` leaves the
# alternate screen, raw mode and a visible cursor behind it and the shell answers; a bad
# scenario, or no controlling terminal, exits 2 before touching the terminal; SIGTERM, SIGHUP and SIGINT sent to the
# running dashboard each restore the terminal and exit with 128 + the signal's number; and,
# with a debug binary, a panic (SHOPLAB_TUI_TEST_PANIC) restores the terminal before the
# panic message is printed.
# Uses its own tmux server socket, so it never touches other tmux sessions.
set -euo pipefail

bin=$(realpath "${1:-target/debug/shoplab}")
sock="shoplab-tui-test-$$"
work=$(mktemp -d)
t() { tmux -L "$sock" "$@"; }
# The shell may still be writing as the server dies: retry the removal once.
cleanup() {
  t kill-server 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || { sleep 0.3; rm -rf "$work" || true; }
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- pane ---" >&2
  t capture-pane -p -t lab >&2 || true
  exit 1
}

# Waits until the pane shows text matching a grep -E pattern.
wait_for() {
  local pattern=$1 what=$2
  for _ in $(seq 1 200); do
    if t capture-pane -p -t lab | grep -qE -- "$pattern"; then return 0; fi
    sleep 0.1
  done
  fail "$what (waited for /$pattern/)"
}

# The terminal is back to normal: main screen, cooked mode with echo, cursor shown, and a
# command typed at the prompt runs.
shell_is_usable() {
  local when=$1
  [ "$(t display -p -t lab '#{alternate_on}')" = 0 ] || fail "$when: still in the alternate screen"
  [ "$(t display -p -t lab '#{cursor_flag}')" = 1 ] || fail "$when: cursor hidden"
  t send-keys -t lab "clear; stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo|isig)'; echo ok-\$((6*7))" Enter
  wait_for '^ok-42' "$when: the shell does not answer"
  local modes
  modes=$(t capture-pane -p -t lab)
  for mode in icanon echo isig; do
    grep -qx -- "$mode" <<<"$modes" || fail "$when: terminal left in raw mode (-$mode)"
  done
}

# A shell in a fixed-size window, with nothing from the user's profile.
t new-session -d -s lab -x 80 -y 24 -c "$work" "env -i PATH=$PATH HOME=$work HISTFILE=/dev/null TERM=xterm-256color PS1='$ ' bash --norc --noprofile"
t set-option -t lab -g window-size manual >/dev/null 2>&1 || true
wait_for '^\$' "no prompt"

echo "1. dashboard at 80x24, day counter moves"
t send-keys -t lab "$bin" Enter
wait_for 'Overview' "dashboard did not open"
wait_for 'day [1-9][0-9]*/30' "day counter did not start"
first=$(t capture-pane -p -t lab | grep -oE 'day [0-9]+/30' | head -1)
wait_for 'Conversion +[0-9.]+%' "no conversion figure"
wait_for 'ROI' "no ROI line"
sleep 1
second=$(t capture-pane -p -t lab | grep -oE 'day [0-9]+/30' | head -1)
[ "$first" != "$second" ] || fail "day counter stuck at $first"
echo "   $first -> $second"

echo "2. ? lists the keys, Esc closes"
t send-keys -t lab '?'
wait_for 'Ctrl-C' "help does not list Ctrl-C"
t send-keys -t lab Escape
sleep 0.3

echo "3. resize to 60x20 asks for room; 200x50 draws again"
t resize-window -t lab -x 60 -y 20
wait_for 'needs at least 80' "no too-small message"
t resize-window -t lab -x 200 -y 50
wait_for '1 Overview' "did not redraw after growing"

echo "4. q leaves a clean shell"
t resize-window -t lab -x 80 -y 24
t send-keys -t lab q
wait_for '^\$' "no prompt after q"
shell_is_usable "after q"

echo "5. a bad scenario exits 2 before touching the terminal"
t send-keys -t lab "clear; $bin tui no-such-scenario; echo status=\$?" Enter
wait_for 'status=2' "bad scenario did not exit 2"
t capture-pane -p -t lab | grep -q 'no-such-scenario: no such file' || fail "no message"
shell_is_usable "after a bad scenario"

echo "   without a controlling terminal (setsid, keys redirected) it exits 2 the same way"
t send-keys -t lab "clear; setsid -w $bin tui </dev/null; echo status=\$?" Enter
wait_for 'status=[0-9]' "the dashboard without a controlling terminal did not end"
t capture-pane -p -t lab | grep -q 'status=2' || fail "no controlling terminal: not exit 2"
t capture-pane -p -t lab | grep -q 'needs a terminal' || fail "no controlling terminal: no message"
shell_is_usable "after a run without a controlling terminal"

echo "6. SIGTERM, SIGHUP and SIGINT restore the terminal and exit 128 + the signal"
for signal in TERM:143 HUP:129 INT:130; do
  name=${signal%%:*} status=${signal##*:}
  t send-keys -t lab "clear; $bin; echo status=\$?" Enter
  wait_for 'day [1-9][0-9]*/30' "SIG$name: dashboard did not start"
  [ "$(t display -p -t lab '#{alternate_on}')" = 1 ] || fail "SIG$name: dashboard not on the alternate screen"
  # The dashboard is the only child of the pane's shell.
  shell=$(t display -p -t lab '#{pane_pid}')
  pid=$(pgrep -P "$shell" | head -1)
  [ -n "$pid" ] || fail "SIG$name: no dashboard process under the shell $shell"
  kill -"$name" "$pid"
  wait_for "status=$status" "SIG$name did not end the dashboard with status $status"
  [ "$(t display -p -t lab '#{alternate_on}')" = 0 ] || fail "SIG$name: still in the alternate screen"
  t capture-pane -p -t lab | grep -q "stopped by SIG$name" || fail "SIG$name: no message on the main screen"
  shell_is_usable "after SIG$name"
  echo "   SIG$name: status $status, terminal restored"
done

echo "7. a panic restores the terminal before printing"
case "$bin" in */debug/*) default_panic=1 ;; *) default_panic=0 ;; esac
if [ "${TUI_TMUX_PANIC:-$default_panic}" = 1 ]; then
  t send-keys -t lab "clear; SHOPLAB_TUI_TEST_PANIC=2 $bin; echo status=\$?" Enter
  wait_for 'status=101' "the panic did not end the program with status 101"
  # The whole message, on the main screen, before the shell's next output.
  t capture-pane -p -t lab | tr '\n' '~' |
    grep -qE "~thread 'main'[^~]* panicked at [^~]*~[^~]*deliberate panic at day 2~.*status=101" ||
    fail "panic message missing, cut or overwritten"
  shell_is_usable "after a panic"
else
  echo "   skipped: a release binary has no test panic"
fi

echo "8. multivariate without colour: its effects whole at 80x24, names and truths at 160x48"
t send-keys -t lab "clear; NO_COLOR=1 $bin tui multivariate" Enter
wait_for '2×2×2 factorial' "the header does not name the design"
t send-keys -t lab 5
wait_for '^A×B×C +[-+]' "no three-way interaction"
screen=$(t capture-pane -p -t lab)
# Every effect row ends with a whole mark: nothing cut at the right edge.
rows=$(printf '%s\n' "$screen" | grep -cE '^(A|B|C|A×B|A×C|B×C|A×B×C) +[-+][0-9.]+pp \[')
[ "$rows" = 7 ] || fail "expected 7 effect rows at 80x24, saw $rows"
printf '%s\n' "$screen" | grep -E '^(A|B|C|A×B|A×C|B×C|A×B×C) +[-+]' |
  grep -vqE '(n\.s\.|▲ sig|▼ sig) *$' && fail "an effect row is cut at 80x24"
printf '%s\n' "$screen" | grep -q 'shows [0-9] more' || fail "hidden cells without a hint"
t resize-window -t lab -x 160 -y 48
wait_for 'A×B×C +recommender × pricing × email' "no factor names at 160x48"
t capture-pane -p -t lab | grep -q 'true now' || fail "no true effects at 160x48"
t capture-pane -p -t lab | grep -qE '^abc +item-cf \+ segment \+ send-time' || fail "the cell grid is not whole at 160x48"
t resize-window -t lab -x 80 -y 24
t send-keys -t lab q
wait_for '^\$' "no prompt after leaving multivariate"

echo "all tmux checks passed"
