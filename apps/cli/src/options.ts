import type { CommandInput, OptionSpec } from './cli.ts';
import { UsageError } from './cli.ts';

/** A string option's value, or undefined when not given. */
export function stringOption(options: CommandInput['options'], name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}

/** A number option strictly between `min` and `max`; a UsageError names the flag otherwise. */
export function numberOption(
  options: CommandInput['options'],
  name: string,
  range: { min: number; max: number; fallback: number },
): number {
  const text = stringOption(options, name);
  if (text === undefined) return range.fallback;
  const value = Number(text);
  if (text.trim() === '' || !(value > range.min && value < range.max)) {
    throw new UsageError(
      `option '--${name}' must be a number between ${range.min} and ${range.max}, got '${text}'`,
    );
  }
  return value;
}

/** A comma-separated option as a list (empty when not given). */
export function listOption(options: CommandInput['options'], name: string): string[] {
  const value = stringOption(options, name);
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

/** The options that select what a run does, shared by `run` and `enqueue`. */
export const RUN_SELECTION_OPTIONS = {
  benchmarks: {
    type: 'string',
    valueName: 'A,B',
    description: 'comma-separated benchmark names (default: all)',
  },
  profilers: {
    type: 'string',
    valueName: 'P,Q',
    description: 'profile with these profilers (doctor, flame, bubbleprof, cpu-prof, heap-prof)',
  },
  profile: { type: 'boolean', description: "profile with every benchmark's declared profilers" },
  tag: { type: 'string', valueName: 'TAG', description: 'a label for the run (BENCHRUNNER_TAG)' },
} as const satisfies Record<string, OptionSpec>;

/** The `benchmarks` and `profile` of a run request from the selection options. */
export function runSelection(options: CommandInput['options']): {
  benchmarks: string[];
  profile: boolean | { profilers: string[] };
} {
  const profilers = listOption(options, 'profilers');
  return {
    benchmarks: listOption(options, 'benchmarks'),
    profile: profilers.length > 0 ? { profilers } : options.profile === true,
  };
}
