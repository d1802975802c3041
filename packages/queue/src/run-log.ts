import type { Queue } from 'bullmq';
import { appendCapped } from './lua.ts';

/**
 * Lines of a run's log kept in Redis, where the API and Bull Board read them; the run archive's
 * stdout.log keeps every line. One million lines added 123 MB to Redis, kept for 30 days.
 */
export const RUN_LOG_MAX_LINES = 10_000;

/** Characters of one log line kept in Redis; a longer line is cut with a note of what is missing. */
export const RUN_LOG_MAX_LINE_CHARS = 2000;

/** The Redis list of a run's log: BullMQ's own key, so job.log, getJobLogs and job removal agree. */
function logKey(queue: Queue, runId: string): string {
  return `${queue.toKey(runId)}:logs`;
}

/** Room left at the end of a cut line for the note that says how much is missing. */
const NOTE_ROOM = 100;

/**
 * A log line as Redis keeps it: at most RUN_LOG_MAX_LINE_CHARS characters, a longer one cut with a
 * note of what is missing. A cut line is left as it is when cut again.
 */
export function capRunLogLine(line: string): string {
  if (line.length <= RUN_LOG_MAX_LINE_CHARS) return line;
  const kept = RUN_LOG_MAX_LINE_CHARS - NOTE_ROOM;
  return `${line.slice(0, kept)} [… ${line.length - kept} more characters in the run archive's stdout.log]`;
}

/**
 * Appends lines to a run's log in Redis, one list entry per line, within RUN_LOG_MAX_LINES lines of
 * RUN_LOG_MAX_LINE_CHARS characters; returns how many entries the log holds.
 */
export async function appendRunLog(queue: Queue, runId: string, lines: readonly string[]): Promise<number> {
  if (lines.length === 0) return 0;
  const note = `[log cut at ${RUN_LOG_MAX_LINES} lines in Redis: the run archive's stdout.log has every line]`;
  // One entry per line, so GET /runs/:id/logs counts lines: a message of several lines is split.
  const entries = lines.flatMap((line) => (line.includes('\n') ? line.split('\n') : [line]));
  return appendCapped(queue, logKey(queue, runId), RUN_LOG_MAX_LINES, note, entries.map(capRunLogLine));
}

/**
 * Lines `start`..`end` (inclusive) of a run's log and how many entries it has. An entry written
 * before logs were kept one line per entry holds a batch of lines: it is split, and the answer
 * still holds at most end - start + 1 lines.
 */
export async function readRunLog(
  queue: Queue,
  runId: string,
  start: number,
  end: number,
): Promise<{ logs: string[]; count: number }> {
  const { logs, count } = await queue.getJobLogs(runId, start, end, true);
  const lines = logs.some((entry) => entry.includes('\n'))
    ? logs.flatMap((entry) => entry.split('\n'))
    : logs;
  return { logs: lines.slice(0, end - start + 1), count };
}
