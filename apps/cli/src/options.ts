import type { CommandInput } from './cli.ts';
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
