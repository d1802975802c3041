export { BASE_ENV_NAMES } from './base-env.ts';
export type {
  CleanupReport,
  CommandRunner,
  ExecOptions,
  ExecResult,
  KilledProcess,
  LockHandle,
  OutputStream,
  TransferStats,
} from './command-runner.ts';
export { ConnectionError, LockedError, TAIL_BYTES } from './command-runner.ts';
export { keyFingerprint, knownHostsFingerprints } from './host-keys.ts';
export { LineSplitter } from './lines.ts';
export { LocalRunner } from './local-runner.ts';
export { PROCESS_TAG_VAR } from './process-tag.ts';
export { shellJoin, shellQuote } from './quote.ts';
export type { SshRunnerOptions } from './ssh-runner.ts';
export { HostKeyError, SshRunner } from './ssh-runner.ts';
