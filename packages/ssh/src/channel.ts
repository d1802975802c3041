import type { ChildProcessByStdio } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { LineSplitter } from './lines.ts';

/** Resolves with the exit status, or null when the channel closed without one. */
export async function channelExit(channel: ClientChannel): Promise<number | null> {
  return (await channelExitFull(channel)).code;
}

const exits = new WeakMap<ClientChannel, Promise<{ code: number | null; signal: string | null }>>();

/** Exit code and signal of a channel; both null when it closed without an exit status (connection lost). */
export function channelExitFull(
  channel: ClientChannel,
): Promise<{ code: number | null; signal: string | null }> {
  const known = exits.get(channel);
  if (known) return known;
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    let code: number | null = null;
    let signal: string | null = null;
    channel.on('exit', (exitCode: number | null, exitSignal?: string) => {
      code = exitCode ?? null;
      signal = exitSignal ? `SIG${exitSignal}` : null;
    });
    channel.on('close', () => resolve({ code, signal }));
  });
  exits.set(channel, exit);
  return exit;
}

export function signalName(n: number): string {
  return Object.entries(constants.signals).find(([, value]) => value === n)?.[0] ?? `SIG${n}`;
}

/**
 * Pipes one tar into the other with backpressure (never the whole tree in memory). The reading
 * tar stops at the end-of-archive marker and may exit before the writer's padding is consumed:
 * the rest is then drained, and each tar's exit status decides success.
 */
export async function pipeTar(
  channel: ClientChannel,
  tar: ChildProcessByStdio<Writable | null, Readable | null, Readable>,
  direction: 'up' | 'down',
  doing: string,
  signal: AbortSignal | undefined,
  minion: { name: string; connectionError: (doing: string) => Error },
): Promise<void> {
  const remoteErr = new LineSplitter();
  const localErr = new LineSplitter();
  channel.stderr.on('data', (chunk: Buffer) => remoteErr.push(chunk));
  tar.stderr.on('data', (chunk: Buffer) => localErr.push(chunk));
  const localExit = new Promise<number | null>((resolve) => {
    tar.once('error', () => resolve(null));
    tar.once('close', (code) => resolve(code));
  });
  const remoteExit = channelExitFull(channel);
  const from: Readable = direction === 'down' ? channel : (tar.stdout as Readable);
  const to: Writable = direction === 'down' ? (tar.stdin as Writable) : channel;
  let pipeError: Error | undefined;
  from.on('error', (error: Error) => {
    pipeError ??= error;
  });
  // EPIPE and the like when the reader exits early: its exit status tells whether that was fine.
  to.on('error', () => undefined);
  from.pipe(to);
  const readerDone = direction === 'down' ? localExit : remoteExit;
  void readerDone.then(() => {
    from.unpipe(to);
    from.resume();
  });
  const onAbort = () => {
    channel.close();
    tar.kill('SIGKILL');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const [localCode, remote] = await Promise.all([localExit, remoteExit]);
    if (signal?.aborted) throw new Error(`${doing} on minion ${minion.name} was cancelled`);
    if (remote.code === null && remote.signal === null) throw minion.connectionError(doing);
    if (remote.code !== 0) {
      throw new Error(
        `${doing} failed on minion ${minion.name} (tar exited ${remote.code}): ${remoteErr.finalTail().trim()}`,
      );
    }
    if (localCode !== 0) {
      throw new Error(`${doing} failed locally (tar exited ${localCode}): ${localErr.finalTail().trim()}`);
    }
    if (pipeError) throw new Error(`${doing} failed: ${pipeError.message}`, { cause: pipeError });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
