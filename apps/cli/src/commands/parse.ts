import path from 'node:path';
import { parseResultFile } from '@benchrunner/results';
import type { Command } from '../cli.ts';
import { stringOption } from '../options.ts';

/** `benchrunner parse FILE [--format NAME]`: the normalized result model as JSON. */
export const parseCommand: Command = {
  name: 'parse',
  summary: 'parse a result file of any supported format and print the normalized model as JSON',
  positionals: [{ name: 'FILE', description: 'result file, relative to the current directory' }],
  options: {
    format: {
      type: 'string',
      valueName: 'NAME',
      description: "the file's format (see 'benchrunner formats'); detected from the content by default",
    },
  },
  details:
    'A file that cannot be parsed exits 1 with one line: FILE:LINE:COLUMN (or FILE: and a JSON path), the format, what is wrong and which formats would parse it.',
  async run({ positionals, options }, context) {
    const given = positionals[0]!;
    const format = stringOption(options, 'format');
    // Messages name the file as the user wrote it: the path they can paste or click.
    const document = await parseResultFile(path.resolve(context.cwd, given), {
      source: given,
      ...(format === undefined ? {} : { format }),
    });
    context.stdout(`${JSON.stringify(document, null, 2)}\n`);
    return 0;
  },
};
