import type { Command } from '../src/cli.ts';
import { runCli } from '../src/cli.ts';
import { compareCommand } from '../src/commands/compare.ts';
import { formatsCommand } from '../src/commands/formats.ts';
import { parseCommand } from '../src/commands/parse.ts';
import type { CliRun } from './run-cli.ts';
import { REPO_ROOT } from './run-cli.ts';

/** The commands of src/main.ts that need no outside services. */
const COMMANDS: readonly Command[] = [parseCommand, compareCommand, formatsCommand];

/** Runs the CLI in this process, capturing what it writes. */
export async function runInProcess(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; commands?: readonly Command[] } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, options.commands ?? COMMANDS, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? {},
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}
