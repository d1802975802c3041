import { KILL_GRACE_MS } from '@benchrunner/process';
import { shellBaseEnvironment } from './base-env.ts';
import { KILLED_FILE, SWEEP_FUNCTION, tagPattern } from './process-tag.ts';
import { shellJoin, shellQuote } from './quote.ts';

/** KILL_GRACE_MS in tenths of a second, for the stop script's `sleep 0.1` loop. */
const KILL_GRACE_TENTHS = Math.round(KILL_GRACE_MS / 100);

/**
 * The wrapper of every command on a minion: the group leader records itself, announces its pgid
 * on stderr (`BENCHRUNNER_PGID=<n>`), sources its environment from stdin (3: an asynchronous
 * list's own stdin is /dev/null) and execs; the outer shell (outside the group) waits, then kills
 * what the command left: every process with its tag (named in killed.tsv for the next report),
 * the rest of the group, and the record. Exits with the command's status.
 */
export function execWrapper(options: {
  pgidDir: string;
  cwd: string;
  argv: readonly string[];
  tag: string;
}): string {
  const { cwd, argv, tag } = options;
  return [
    `P=${shellQuote(options.pgidDir)}`,
    `[ -d "$P" ] || mkdir -p "$P" || exit 125`,
    `[ -d ${shellQuote(cwd)} ] || mkdir -p ${shellQuote(cwd)} || exit 125`,
    `cd ${shellQuote(cwd)} || exit 125`,
    'exec 3<&0',
    `setsid env -i ${shellBaseEnvironment()} sh -c 'echo $$ >"$0/$$"; echo "BENCHRUNNER_PGID=$$" >&2; . /dev/stdin; exec "$@" </dev/null' "$P" ${shellJoin(argv)} <&3 3<&- &`,
    'g=$!',
    'exec 3<&-',
    // 2>/dev/null: the shell's own "Terminated" report is not the command's output.
    'wait "$g" 2>/dev/null; s=$?',
    SWEEP_FUNCTION,
    `sweep ${shellQuote(tagPattern(tag))} >>"$P/${KILLED_FILE}"`,
    'kill -KILL -"$g" 2>/dev/null',
    'rm -f "$P/$g"',
    'exit "$s"',
  ].join('\n');
}

/** SIGTERM to a process group, SIGKILL once KILL_GRACE_MS passed and it is still there. */
export function stopGroupScript(pgid: number): string {
  return [
    `g=${pgid}`,
    'kill -TERM -"$g" 2>/dev/null || exit 0',
    'i=0',
    // Zombies count as gone: PID 1 may reap orphans late (containers), they hold nothing.
    `while ps -e -o pgid=,stat= | awk -v g="$g" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; do`,
    `  if [ "$i" -ge ${KILL_GRACE_TENTHS} ]; then kill -KILL -"$g" 2>/dev/null; break; fi`,
    '  sleep 0.1; i=$((i+1))',
    'done',
    'exit 0',
  ].join('\n');
}

/**
 * Kills every process group recorded in pgidDir and every process with the owner's tag; prints
 * `groups=<n>`, then what wrappers killed after their command ended (killed.tsv) and what the
 * sweep killed, as `pid<TAB>command` lines.
 */
export function killGroupsScript(pgidDir: string, owner: string): string {
  return [
    `P=${shellQuote(pgidDir)}`,
    SWEEP_FUNCTION,
    'g=',
    'for f in "$P"/*; do',
    '  [ -f "$f" ] || continue',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
    '  n=${f##*/}',
    '  case "$n" in ""|*[!0-9]*|0|1) continue ;; esac',
    '  g="$g $n"',
    'done',
    `k=$(sweep ${shellQuote(tagPattern(owner))})`,
    'c=0',
    'for n in $g; do kill -KILL -"$n" 2>/dev/null; rm -f "$P/$n"; c=$((c+1)); done',
    'echo "groups=$c"',
    `if [ -f "$P/${KILLED_FILE}" ]; then cat "$P/${KILLED_FILE}" && rm -f "$P/${KILLED_FILE}"; fi`,
    `[ -z "$k" ] || printf '%s\n' "$k"`,
  ].join('\n');
}
