import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Where `pnpm bench` keeps its results. */
export const BENCHMARKS_FILE = path.join(REPO_ROOT, 'docs', 'BENCHMARKS.md');

/** One line naming the machine and the date, written above every section. */
export function machineLine(now: Date = new Date()): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const mem = `${Math.round(os.totalmem() / 2 ** 30)} GiB`;
  return `Measured ${now.toISOString().slice(0, 10)} on ${os.type()} ${os.release()}, ${cpu} x${os.cpus().length}, ${mem}, Node ${process.version}.`;
}

/**
 * Writes (or replaces) one section of docs/BENCHMARKS.md, between
 * `<!-- bench:ID -->` and `<!-- /bench:ID -->`, leaving other sections as they are.
 */
export async function recordBenchmark(id: string, title: string, body: string): Promise<void> {
  await mkdir(path.dirname(BENCHMARKS_FILE), { recursive: true });
  let text: string;
  try {
    text = await readFile(BENCHMARKS_FILE, 'utf8');
  } catch {
    text =
      '# Benchmarks\n\nWritten by `pnpm bench`; each section is replaced when its benchmark runs again.\n';
  }
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const section = `${start}\n## ${title}\n\n${machineLine()}\n\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) text = text.slice(0, i) + section + text.slice(j + end.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(BENCHMARKS_FILE, text);
}

/** A markdown table from rows of cells. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
