import { createReadStream } from 'node:fs';
import { CancelledError, ConfigError } from '@benchrunner/core';
import type { KuboRPCClient } from 'kubo-rpc-client';
import { create } from 'kubo-rpc-client';
import type { ArtifactReceipt, ArtifactStore } from './artifact-store.ts';
import { gatewayLink } from './artifact-store.ts';
import { networkMessage, retryableStatus, SinkRejectedError, SinkUnavailableError } from './errors.ts';
import { listFolder } from './folder-entries.ts';
import { CHUNK_SIZE } from './unixfs-options.ts';

const SINK = 'ipfs';

export interface IpfsArtifactStoreOptions {
  /** Kubo RPC API (`http://kubo:5001`) or IPFS Cluster's Kubo-compatible proxy (`http://cluster:9095`). */
  url: string;
  /** Sent as an `Authorization` header on every request: basic auth or a bearer token. */
  auth?: { username: string; password: string } | { bearer: string };
  /** Gateway base URL for links, e.g. `https://ipfs.io`. */
  gatewayUrl?: string;
  /** Per-request timeout in ms (default 10 minutes: a large run folder takes a while). */
  timeoutMs?: number;
}

/**
 * Adds a run's folder to an IPFS node through its RPC API (kubo-rpc-client, the maintained
 * successor of ipfs-http-client) as one pinned directory. Only `add` is used, which IPFS Cluster's
 * proxy also accepts (it does not take `dag/import`).
 */
export class IpfsArtifactStore implements ArtifactStore {
  readonly name = SINK;
  readonly #client: KuboRPCClient;
  readonly #options: IpfsArtifactStoreOptions;
  readonly #where: string;

  constructor(options: IpfsArtifactStoreOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (error) {
      throw new ConfigError(`IPFS API URL ${JSON.stringify(options.url)} is not a URL`, [], { cause: error });
    }
    if (url.username || url.password) {
      throw new ConfigError('IPFS API URL must not contain credentials: give them as auth');
    }
    const headers: Record<string, string> = {};
    if (options.auth && 'bearer' in options.auth) headers.authorization = `Bearer ${options.auth.bearer}`;
    else if (options.auth) {
      headers.authorization = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
    }
    this.#options = options;
    this.#where = `IPFS API at ${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.#client = create({ url, headers, timeout: options.timeoutMs ?? 600_000 });
  }

  async check(options: { signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.#client.version({ signal: options.signal });
    } catch (error) {
      const mapped = this.#map(error, 'checking', options.signal);
      if (mapped instanceof SinkRejectedError) throw new ConfigError(mapped.message, [], { cause: mapped });
      throw mapped;
    }
  }

  async publish(dir: string, options: { signal?: AbortSignal } = {}): Promise<ArtifactReceipt> {
    const entries = await listFolder(dir);
    const source = (function* () {
      for (const entry of entries) {
        if (entry.kind === 'directory') yield { path: entry.path };
        else
          yield {
            path: entry.path,
            content: createReadStream(entry.absolute, { highWaterMark: 1024 * 1024 }),
          };
      }
    })();
    let root: string | undefined;
    let last: string | undefined;
    try {
      for await (const added of this.#client.addAll(source, {
        cidVersion: 1,
        rawLeaves: true,
        wrapWithDirectory: true,
        chunker: `size-${CHUNK_SIZE}`,
        pin: true,
        signal: options.signal,
      })) {
        last = added.cid.toString();
        if (added.path === '') root = last;
      }
    } catch (error) {
      throw this.#map(error, `adding ${dir}`, options.signal);
    }
    const cid = root ?? last;
    if (!cid) throw new SinkRejectedError(`${this.#where} returned no CID for ${dir}`, { sink: SINK });
    return { cid, url: gatewayLink(this.#options.gatewayUrl, cid) };
  }

  #map(error: unknown, doing: string, signal: AbortSignal | undefined): Error {
    if (signal?.aborted)
      return new CancelledError(`${doing} on ${this.#where} was cancelled`, { cause: error });
    const response = (error as { response?: Response }).response;
    if (error instanceof Error && error.name === 'HTTPError' && response) {
      const message = `${this.#where} answered ${response.status} while ${doing}: ${error.message || response.statusText}`;
      const detail = { sink: SINK, status: response.status };
      return retryableStatus(response.status)
        ? new SinkUnavailableError(message, detail, { cause: error })
        : new SinkRejectedError(message, detail, { cause: error });
    }
    return new SinkUnavailableError(
      `${this.#where} failed while ${doing}: ${networkMessage(error)}`,
      { sink: SINK },
      { cause: error },
    );
  }
}
