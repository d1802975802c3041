import type { Command } from './cli.ts';
import { runCli } from './cli.ts';
import { calibrateCommand } from './commands/calibrate.ts';
import { compareCommand } from './commands/compare.ts';
import { detectCommand } from './commands/detect.ts';
import { enqueueCommand, statusCommand } from './commands/enqueue.ts';
import { formatsCommand } from './commands/formats.ts';
import { historyCommand, reindexCommand } from './commands/history.ts';
import { parseCommand } from './commands/parse.ts';
import { runCommand } from './commands/run.ts';
import { startCommand } from './commands/start.ts';
import { callerCwd } from './paths.ts';

/** Every `benchrunner` command; `--help` lists them in this order. */
const COMMANDS: readonly Command[] = [
  startCommand,
  runCommand,
  enqueueCommand,
  statusCommand,
  historyCommand,
  reindexCommand,
  parseCommand,
  compareCommand,
  detectCommand,
  calibrateCommand,
  formatsCommand,
];

process.exitCode = await runCli(process.argv.slice(2), COMMANDS, {
  cwd: callerCwd(process.env),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
