import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, formatProblems, type Problem } from './errors.ts';
import { formatPath } from './zod-problems.ts';

/** A parsed YAML file that can point at the line of any path in it. */
export interface LocatedYaml {
  doc: Document;
  /** ` (line L, column C)` of the closest node that exists on the way to `path`, or '' when none. */
  at(path: readonly PropertyKey[]): string;
}

/**
 * Parses YAML text; a syntax error becomes a ConfigError naming the file, line and column.
 * `what` names the kind of file in messages ("suite file", "inventory").
 */
export function parseYamlFile(text: string, file: string, what: string): LocatedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => {
      const pos = e.linePos?.[0] ?? (e.pos ? lineCounter.linePos(e.pos[0]) : undefined);
      return {
        path: pos ? `line ${pos.line}, column ${pos.col}` : '(document)',
        message: e.message.split('\n')[0] ?? e.message,
      };
    });
    throw new ConfigError(`${what} ${file} is not valid YAML:\n${formatProblems(problems)}`, problems);
  }
  return {
    doc,
    at(path) {
      // Walk up the path until a node exists, to point at the closest line.
      let node: unknown;
      for (let n = path.length; n >= 0 && !node; n--) {
        node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
      }
      const where = isNode(node) && node.range ? lineCounter.linePos(node.range[0]) : undefined;
      return where ? ` (line ${where.line}, column ${where.col})` : '';
    },
  };
}

/** Problems for zod issues of a value read from `yaml`, each with its path and line. */
export function locatedProblems(
  yaml: LocatedYaml,
  issues: readonly z.core.$ZodIssue[],
  /** Maps an issue path (of the validated value) to the path in the YAML document. */
  toDocPath: (path: readonly PropertyKey[]) => readonly PropertyKey[] = (path) => path,
): Problem[] {
  return issues.map((issue) => {
    const docPath = toDocPath(issue.path);
    return { path: `${formatPath(docPath) || '(root)'}${yaml.at(docPath)}`, message: issue.message };
  });
}
