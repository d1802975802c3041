import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths that must never reach a log line. */
const REDACT = [
  'authorization',
  'password',
  'token',
  'secret',
  'apiKey',
  '*.authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiKey',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-hub-signature-256"]',
];

/** Creates the process logger. Called once, in an app's main.ts. */
export function createLogger(options: {
  name: string;
  level?: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    // stdout through an asynchronous SonicBoom: a log line never blocks a request; pino flushes
    // what is buffered when the process exits.
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: 1, sync: false }),
  );
}
