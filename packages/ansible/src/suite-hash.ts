import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { CommandRunner } from '@benchrunner/ssh';

/** Folders that provisioning neither copies nor hashes. */
export const SUITE_EXCLUDES = ['node_modules', '.git'];

/** Where provisioning puts the suite on a minion. */
export function suiteDirOnMinion(workDir: string): string {
  return `${workDir.replace(/\/+$/, '')}/suite`;
}

/** Where the playbook writes the hash of the suite it installed. */
export function suiteHashFile(workDir: string): string {
  return `${workDir.replace(/\/+$/, '')}/suite.sha256`;
}

/**
 * sha256 over the suite folder: every file's relative path, kind and content (symlinks by their
 * target), in sorted order, skipping node_modules and .git. Any change to a file, a name or the
 * set of files changes the hash.
 */
export async function suiteContentHash(suiteDir: string): Promise<string> {
  const entries: { rel: string; full: string; kind: 'file' | 'link' }[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (SUITE_EXCLUDES.includes(entry.name)) continue;
      const full = path.join(dir, entry.name);
      const rel = path.relative(suiteDir, full).split(path.sep).join('/');
      if (entry.isDirectory()) await walk(full);
      else if (entry.isSymbolicLink()) entries.push({ rel, full, kind: 'link' });
      else if (entry.isFile()) entries.push({ rel, full, kind: 'file' });
    }
  };
  await walk(suiteDir);
  entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const hash = createHash('sha256');
  for (const entry of entries) {
    // Length-prefixed, so no two different trees serialize the same way.
    hash.update(`${entry.kind}\0${Buffer.byteLength(entry.rel)}\0${entry.rel}\0`);
    if (entry.kind === 'link') {
      const target = await readlink(entry.full);
      hash.update(`${Buffer.byteLength(target)}\0${target}`);
      continue;
    }
    const content = createHash('sha256');
    for await (const chunk of createReadStream(entry.full)) content.update(chunk as Buffer);
    hash.update(content.digest());
  }
  return hash.digest('hex');
}

/**
 * Whether the minion needs provisioning for a suite with this hash: true when the hash the
 * playbook last wrote (`<workDir>/suite.sha256`) is missing or different.
 */
export async function needsProvisioning(runner: CommandRunner, hash: string): Promise<boolean> {
  const file = suiteHashFile(runner.workDir);
  const result = await runner.exec(['sh', '-c', '[ -f "$1" ] || exit 3; exec cat -- "$1"', 'sh', file]);
  if (result.exitCode === 3) return true;
  if (result.exitCode !== 0) {
    throw new Error(
      `cannot read ${file} on minion ${runner.minion} (exit ${result.exitCode}): ${result.stderr.trim()}`,
    );
  }
  return result.stdout.trim() !== hash;
}
