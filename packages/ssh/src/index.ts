export { ConnectionError, LockedError, TAIL_BYTES } from './command-runner.ts';
export type {
  CommandRunner,
  ExecOptions,
  ExecResult,
  LockHandle,
  OutputStream,
  TransferStats,
} from './command-runner.ts';
export { LineSplitter } from './lines.ts';
export { LocalRunner } from './local-runner.ts';
