# Progress lines for the long test scripts (sourced): one line per stage with the elapsed seconds,
# and a heartbeat that repeats the current stage when 9 s passed without a line (so a line comes at
# least every 10 s): nobody watching a release build, an mmdebstrap or a VM need wonder whether
# anything is happening.
#
#   progress_begin NAME [QUIET]  the clock starts; lines read `NAME: [ 12s] what`; the heartbeat
#                                speaks after QUIET seconds without a line (default 9)
#   stage [--log FILE] WHAT...   a stage line; with --log the heartbeat adds FILE's last line
#
# Every line goes to stderr (stdout may be parsed: fetch-kernel.sh prints a path, the lanes their
# results). A script started by another one that called progress_begin (the lanes' helpers,
# make-root.sh under setup.sh) shares its caller's clock and heartbeat: the environment carries them.

progress_begin() {
    if [[ -n ${NSTOOLS_PROGRESS_FILE:-} && -w $NSTOOLS_PROGRESS_FILE ]]; then
        return 0
    fi
    NSTOOLS_PROGRESS_NAME=$1
    local quiet=${2:-9}
    NSTOOLS_PROGRESS_T0=$(date +%s)
    NSTOOLS_PROGRESS_FILE=$(mktemp "${TMPDIR:-/tmp}/nstools-progress.XXXXXX") || return 0
    export NSTOOLS_PROGRESS_NAME NSTOOLS_PROGRESS_T0 NSTOOLS_PROGRESS_FILE
    printf '%s\n%s\n\n' "$NSTOOLS_PROGRESS_T0" "start" >"$NSTOOLS_PROGRESS_FILE"
    # The heartbeat ends within a second of this script (it polls the script's pid), removes the
    # state file, and never holds stdout (a caller may be reading it through $(...)). It runs in a
    # process group of its own (job control on for that one `&`): whoever kills this script's group
    # when it is done (the tests do) must not kill the heartbeat before it removed the file.
    local monitor=${-//[^m]/}
    set -m
    _progress_heartbeat "$$" "$quiet" >/dev/null &
    [[ -n $monitor ]] || set +m
}

_progress_line() {
    printf '%s: [%3ds] %s\n' "${NSTOOLS_PROGRESS_NAME:-progress}" \
        "$(($(date +%s) - ${NSTOOLS_PROGRESS_T0:-$(date +%s)}))" "$*" >&2
}

stage() {
    local log=
    if [[ ${1:-} == --log ]]; then
        log=$2
        shift 2
    fi
    _progress_line "$*"
    [[ -n ${NSTOOLS_PROGRESS_FILE:-} && -w $NSTOOLS_PROGRESS_FILE ]] &&
        printf '%s\n%s\n%s\n' "$(date +%s)" "$*" "$log" >"$NSTOOLS_PROGRESS_FILE"
    return 0
}

_progress_heartbeat() {
    local owner=$1 quiet=$2 file=$NSTOOLS_PROGRESS_FILE since what log beat=0 now tail_line i
    trap 'rm -f "$file"; exit 0' TERM INT
    for ((i = 0; i < 86400; i++)); do
        sleep 1
        kill -0 "$owner" 2>/dev/null || break
        { read -r since && read -r what && read -r log; } <"$file" 2>/dev/null || continue
        now=$(date +%s)
        # Quiet for 9 s (read once a second): a line at least every 10 s.
        ((now - since >= quiet && now - beat >= quiet)) || continue
        beat=$now
        tail_line=
        [[ -n $log && -s $log ]] &&
            tail_line=" | $(tail -n 1 "$log" 2>/dev/null | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | tr -d '\r' | tr -c '[:print:]' ' ' | cut -c1-100)"
        _progress_line "... $what ($((now - since)) s so far)$tail_line"
    done
    rm -f "$file"
}
