import { createHash, randomBytes } from 'node:crypto';
import type { KilledProcess } from './command-runner.ts';

/**
 * Tags every process a runner starts, and every process those start unless they clear their
 * environment: `<owner>.<exec>`, where owner stands for the runner's workDir and exec for one
 * command. A detached child (its own session and process group, as a daemon makes) escapes a
 * process-group kill but keeps this variable, so it is found by reading `/proc/<pid>/environ`.
 */
export const PROCESS_TAG_VAR = 'BENCHRUNNER_PROCESS_TAG';

/** The owner part of the tags of every command run in workDir (hex, safe in a regular expression). */
export function ownerTag(workDir: string): string {
  return createHash('sha256').update(workDir).digest('hex').slice(0, 16);
}

/** A new tag for one command. */
export function execTag(owner: string): string {
  return `${owner}.${randomBytes(8).toString('hex')}`;
}

/** An ERE (for `grep -z`) matching the tag entry of one command, or of every command of an owner. */
export function tagPattern(tag: string): string {
  return tag.includes('.')
    ? `^${PROCESS_TAG_VAR}=${tag.replace('.', '\\.')}$`
    : `^${PROCESS_TAG_VAR}=${tag}\\.`;
}

/** Where the wrapper appends what it killed after a command exited, until killProcessGroups reports it. */
export const KILLED_FILE = 'killed.tsv';

/**
 * The shell function `sweep ERE`: SIGKILLs every process whose environment has an entry matching
 * ERE (a few passes, for processes forked meanwhile) and prints `pid<TAB>command line` for each.
 * Always succeeds: a process that exits before it is killed is simply not listed.
 * Processes of other users and non-dumpable ones cannot be read and are left alone.
 */
export const SWEEP_FUNCTION = `sweep() {
  i=0 k=' '
  while [ "$i" -lt 5 ]; do
    i=$((i+1))
    f=$(grep -lszE "$1" /proc/[0-9]*/environ)
    [ -n "$f" ] || return 0
    for e in $f; do
      p=\${e#/proc/}; p=\${p%/environ}
      # Killed in an earlier pass and still exiting: its environment can be read until it is gone.
      case "$k" in *" $p "*) continue ;; esac
      c=$(tr '\\000\\t\\n' '   ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-300)
      kill -KILL "$p" 2>/dev/null && k="$k$p " && printf '%s\\t%s\\n' "$p" "\${c% }"
    done
  done
  return 0
}`;

/** Parses the `pid<TAB>command` lines of sweep (and of KILLED_FILE). */
export function parseKilled(text: string): KilledProcess[] {
  const killed: KilledProcess[] = [];
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    const pid = Number(line.slice(0, tab));
    if (tab > 0 && Number.isInteger(pid)) killed.push({ pid, command: line.slice(tab + 1) });
  }
  return killed;
}
