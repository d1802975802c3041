/** One problem with one piece of input, located by a path (a JSON path, an env var, a file position). */
export interface Problem {
  path: string;
  message: string;
}

/** Base class: every error benchrunner raises on purpose has a stable `code`. */
export class BenchrunnerError extends Error {
  override name = 'BenchrunnerError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Bad input from a user: a request, a file, an argument. Never retried; shown as a 4xx. */
export class InputError extends BenchrunnerError {
  override name = 'InputError';
  readonly problems: Problem[];
  constructor(message: string, problems: Problem[] = [], options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'invalid_input', message, options);
    this.problems = problems;
  }
}

/** Bad configuration found at start (environment, suite file, inventory). */
export class ConfigError extends BenchrunnerError {
  override name = 'ConfigError';
  readonly problems: Problem[];
  constructor(message: string, problems: Problem[] = [], options?: { cause?: unknown }) {
    super('invalid_config', message, options);
    this.problems = problems;
  }
}

/** A thing that was looked up does not exist (a run, a benchmark, a minion). */
export class NotFoundError extends BenchrunnerError {
  override name = 'NotFoundError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_found', message, options);
  }
}

/** A dependency (Redis, a minion, a sink) cannot be reached now; trying later may work. */
export class UnavailableError extends BenchrunnerError {
  override name = 'UnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
  }
}

/** The operation was cancelled (API cancel, shutdown, timeout). */
export class CancelledError extends BenchrunnerError {
  override name = 'CancelledError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('cancelled', message, options);
  }
}

/** Formats a list of problems as indented lines for a terminal or a log. */
export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n');
}
