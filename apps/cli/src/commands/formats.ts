import { listFormats } from '@benchrunner/results';
import type { Command } from '../cli.ts';

/** `benchrunner formats`: the result formats `parse` and `compare` understand. */
export const formatsCommand: Command = {
  name: 'formats',
  summary: 'list the result formats (name and description)',
  positionals: [],
  options: { json: { type: 'boolean', description: 'print the list as JSON' } },
  run({ options }, context) {
    const formats = listFormats();
    if (options.json === true) {
      context.stdout(`${JSON.stringify(formats, null, 2)}\n`);
      return 0;
    }
    const width = Math.max(...formats.map((f) => f.name.length));
    context.stdout(formats.map((f) => `${f.name.padEnd(width)}  ${f.description}\n`).join(''));
    return 0;
  },
};
