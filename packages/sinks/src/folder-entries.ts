import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '@benchrunner/core';

/** A file or an empty directory of a folder to publish, by its POSIX path relative to the folder. */
export interface FolderEntry {
  path: string;
  absolute: string;
  kind: 'file' | 'directory';
  size: number;
}

/**
 * Every file of `dir` (and every empty directory, which has no file to imply it), sorted by path,
 * so both stores see the same input. `exclude` holds absolute paths to leave out (a CAR file
 * written inside the folder it describes). Symlinks and special files are refused: what they point
 * to is not part of the run.
 */
export async function listFolder(
  dir: string,
  options: { exclude?: readonly string[] } = {},
): Promise<FolderEntry[]> {
  const root = path.resolve(dir);
  const exclude = new Set((options.exclude ?? []).map((p) => path.resolve(p)));
  let stat: Awaited<ReturnType<typeof lstat>>;
  try {
    stat = await lstat(root);
  } catch (error) {
    throw new InputError(`cannot publish ${root}: ${(error as Error).message}`, [], { cause: error });
  }
  if (!stat.isDirectory()) throw new InputError(`cannot publish ${root}: not a directory`);
  const out: FolderEntry[] = [];
  const walk = async (absolute: string, relative: string): Promise<void> => {
    const names = (await readdir(absolute)).sort();
    let kept = 0;
    for (const name of names) {
      const abs = path.join(absolute, name);
      if (exclude.has(abs)) continue;
      kept++;
      const rel = relative ? `${relative}/${name}` : name;
      const s = await lstat(abs);
      if (s.isDirectory()) await walk(abs, rel);
      else if (s.isFile()) out.push({ path: rel, absolute: abs, kind: 'file', size: s.size });
      else throw new InputError(`cannot publish ${abs}: only regular files and directories are published`);
    }
    if (kept === 0 && relative) out.push({ path: relative, absolute, kind: 'directory', size: 0 });
  };
  await walk(root, '');
  return out;
}
