import { parseArgs } from 'node:util';
import { BenchrunnerError } from '@benchrunner/core';

/** Where a command writes and what it knows of the caller. */
export interface CommandContext {
  /** The directory the user ran the command in; resolve FILE arguments against it. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A flag of a command, as `node:util` parseArgs takes it plus what `--help` shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** Placeholder of a string option's value in help, e.g. `NAME`. */
  valueName?: string;
}

/** A positional argument. Optional ones come last. */
interface PositionalSpec {
  name: string;
  description: string;
  optional?: boolean;
}

/** What a command receives after its arguments were checked against its specs. */
export interface CommandInput {
  positionals: string[];
  options: Record<string, string | boolean | undefined>;
}

/** One `benchrunner <name>` command. Returns its exit code (0 when it returns nothing). */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  positionals: readonly PositionalSpec[];
  options: Readonly<Record<string, OptionSpec>>;
  /** More help: notes and examples, shown under the options. */
  details?: string;
  run(input: CommandInput, context: CommandContext): Promise<number | undefined> | number | undefined;
}

/** Bad command line: shown with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit codes: success, a failure the message explains, a bad command line. */
const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const PROGRAM = 'benchrunner';

/**
 * Runs `argv` (without node and the script) against a table of commands and returns the exit
 * code: 0 ok, 1 failure, 2 usage error. Nothing here exits the process, so it can be tested in process.
 */
export async function runCli(
  argv: readonly string[],
  commands: readonly Command[],
  context: CommandContext,
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    context.stderr(programHelp(commands));
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h') {
    context.stdout(programHelp(commands));
    return EXIT_OK;
  }
  if (first === 'help') {
    const topic = rest[0];
    const command = topic === undefined ? undefined : commands.find((c) => c.name === topic);
    if (topic !== undefined && command === undefined)
      return usage(context, `unknown command '${topic}'`, commands);
    context.stdout(command === undefined ? programHelp(commands) : commandHelp(command));
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === first);
  if (command === undefined) {
    const what = first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`;
    return usage(context, what, commands);
  }
  let input: CommandInput;
  try {
    const parsed = parseCommandArgs(command, rest);
    if (parsed === 'help') {
      context.stdout(commandHelp(command));
      return EXIT_OK;
    }
    input = parsed;
  } catch (error) {
    if (error instanceof UsageError) {
      context.stderr(
        `${PROGRAM} ${command.name}: ${error.message} (see '${PROGRAM} ${command.name} --help')\n`,
      );
      return EXIT_USAGE;
    }
    throw error;
  }
  try {
    return (await command.run(input, context)) ?? EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      context.stderr(
        `${PROGRAM} ${command.name}: ${error.message} (see '${PROGRAM} ${command.name} --help')\n`,
      );
      return EXIT_USAGE;
    }
    // Errors raised on purpose carry a message meant for the user; anything else is a bug and
    // keeps its stack.
    const text =
      error instanceof BenchrunnerError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    context.stderr(`${PROGRAM} ${command.name}: ${text}\n`);
    return EXIT_FAILURE;
  }
}

function usage(context: CommandContext, message: string, commands: readonly Command[]): number {
  context.stderr(
    `${PROGRAM}: ${message}; commands: ${commands.map((c) => c.name).join(', ')} (see '${PROGRAM} --help')\n`,
  );
  return EXIT_USAGE;
}

/** Checks arguments against the command's specs; every mistake is a UsageError naming the flag. */
function parseCommandArgs(command: Command, args: readonly string[]): CommandInput | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  }
  // Non-strict parsing plus our own checks of the tokens gives messages that name the flag.
  const { values, positionals, tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (spec === undefined) throw new UsageError(`unknown option '${token.rawName}'`);
    if (spec.type === 'string' && token.value === undefined) {
      throw new UsageError(`option '${token.rawName}' needs a value`);
    }
    if (spec.type === 'boolean' && token.value !== undefined) {
      throw new UsageError(`option '${token.rawName}' takes no value`);
    }
  }
  if (values.help === true) return 'help';
  const required = command.positionals.filter((p) => p.optional !== true);
  if (positionals.length < required.length) {
    const missing = required.slice(positionals.length).map((p) => p.name);
    throw new UsageError(`missing ${missing.join(' and ')}`);
  }
  if (positionals.length > command.positionals.length) {
    throw new UsageError(`unexpected argument '${positionals[command.positionals.length]}'`);
  }
  const { help: _help, ...rest } = values;
  return { positionals, options: rest };
}

function usageLine(command: Command): string {
  const positionals = command.positionals.map((p) => (p.optional === true ? `[${p.name}]` : p.name));
  const options = Object.entries(command.options).map(([name, spec]) =>
    spec.type === 'string' ? `[--${name} ${spec.valueName ?? 'VALUE'}]` : `[--${name}]`,
  );
  return [PROGRAM, command.name, ...positionals, ...options].join(' ');
}

/** `benchrunner <command> --help`. */
export function commandHelp(command: Command): string {
  const lines = [`Usage: ${usageLine(command)}`, '', command.summary];
  const rows: [string, string][] = command.positionals.map((p) => [p.name, p.description]);
  for (const [name, spec] of Object.entries(command.options)) {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `;
    const value = spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : '';
    rows.push([`${short}--${name}${value}`, spec.description]);
  }
  rows.push(['-h, --help', 'show this help']);
  lines.push('', ...columns(rows));
  if (command.details !== undefined) lines.push('', command.details.trimEnd());
  return `${lines.join('\n')}\n`;
}

/** `benchrunner --help`. */
function programHelp(commands: readonly Command[]): string {
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    ...columns(commands.map((c) => [c.name, c.summary])),
    '',
    `Run '${PROGRAM} <command> --help' for a command's options. Exit codes: 0 ok, 1 failure, 2 usage error.`,
    '',
  ].join('\n');
}

function columns(rows: readonly [string, string][]): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
