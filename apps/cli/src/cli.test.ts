import { BenchrunnerError, InputError } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../test/in-process.ts';
import type { Command, CommandInput } from './cli.ts';
import { commandHelp, UsageError } from './cli.ts';

function fakeCommand(run: Command['run'] = () => 0): Command {
  return {
    name: 'echo',
    summary: 'prints its input',
    positionals: [
      { name: 'FIRST', description: 'required' },
      { name: 'SECOND', description: 'optional', optional: true },
    ],
    options: {
      label: { type: 'string', short: 'l', valueName: 'TEXT', description: 'a label' },
      loud: { type: 'boolean', description: 'shout' },
    },
    details: 'Some notes.',
    run,
  };
}

describe('runCli', () => {
  it('passes checked positionals and options to the command and returns its exit code', async () => {
    let seen: CommandInput | undefined;
    const echo = fakeCommand((input) => {
      seen = input;
      return 3;
    });
    const run = await runInProcess(['echo', 'one', '-l', 'x', '--loud'], { commands: [echo] });
    expect(run.code).toBe(3);
    expect(seen).toEqual({ positionals: ['one'], options: { label: 'x', loud: true } });
    await runInProcess(['echo', 'one', 'two', '--label=y'], { commands: [echo] });
    expect(seen).toEqual({ positionals: ['one', 'two'], options: { label: 'y' } });
  });

  it('exits 2 for usage mistakes, naming them, without running the command', async () => {
    let ran = false;
    const echo = fakeCommand(() => {
      ran = true;
      return 0;
    });
    const cases: [string[], string][] = [
      [[], 'Usage: benchrunner <command>'],
      [['nope'], "benchrunner: unknown command 'nope'; commands: echo"],
      [['--verbose'], "benchrunner: unknown option '--verbose'"],
      [['help', 'nope'], "unknown command 'nope'"],
      [['echo'], 'benchrunner echo: missing FIRST'],
      [['echo', 'a', 'b', 'c'], "unexpected argument 'c'"],
      [['echo', 'a', '--what'], "unknown option '--what'"],
      [['echo', 'a', '-z'], "unknown option '-z'"],
      [['echo', 'a', '--label'], "option '--label' needs a value"],
      [['echo', 'a', '--loud=yes'], "option '--loud' takes no value"],
    ];
    for (const [args, message] of cases) {
      const run = await runInProcess(args, { commands: [echo] });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stdout).toBe('');
    }
    expect(ran).toBe(false);
  });

  it('takes positionals after -- even when they look like options', async () => {
    let seen: CommandInput | undefined;
    const echo = fakeCommand((input) => {
      seen = input;
      return 0;
    });
    expect((await runInProcess(['echo', '--', '--not-a-flag'], { commands: [echo] })).code).toBe(0);
    expect(seen?.positionals).toEqual(['--not-a-flag']);
  });

  it('prints help on stdout for --help, -h and help', async () => {
    const echo = fakeCommand();
    for (const args of [
      ['echo', '--help'],
      ['echo', 'x', '-h'],
      ['help', 'echo'],
    ]) {
      const run = await runInProcess(args, { commands: [echo] });
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(commandHelp(echo));
    }
    expect(commandHelp(echo)).toContain('Usage: benchrunner echo FIRST [SECOND] [--label TEXT] [--loud]');
    expect(commandHelp(echo)).toMatch(/-l, --label TEXT +a label/);
    expect(commandHelp(echo)).toContain('Some notes.');
    const program = await runInProcess(['--help'], { commands: [echo] });
    expect(program.stdout).toMatch(/Commands:\n {2}echo +prints its input/);
  });

  it('turns errors into exit codes: usage 2, expected failures 1 with their message, bugs 1 with a stack', async () => {
    const throwing = (error: unknown) => fakeCommand(() => Promise.reject(error));
    const usage = await runInProcess(['echo', 'a'], {
      commands: [throwing(new UsageError('--alpha is bad'))],
    });
    expect(usage).toMatchObject({
      code: 2,
      stderr: "benchrunner echo: --alpha is bad (see 'benchrunner echo --help')\n",
    });
    const input = await runInProcess(['echo', 'a'], { commands: [throwing(new InputError('x.json: bad'))] });
    expect(input).toMatchObject({ code: 1, stderr: 'benchrunner echo: x.json: bad\n' });
    const other = await runInProcess(['echo', 'a'], {
      commands: [throwing(new BenchrunnerError('unavailable', 'redis is down'))],
    });
    expect(other.stderr).toBe('benchrunner echo: redis is down\n');
    const bug = await runInProcess(['echo', 'a'], { commands: [throwing(new TypeError('x is undefined'))] });
    expect(bug.code).toBe(1);
    expect(bug.stderr).toMatch(/^benchrunner echo: TypeError: x is undefined\n {4}at /);
  });
});
