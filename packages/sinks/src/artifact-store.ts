/** What an artifact store gives back for a published folder. */
export interface ArtifactReceipt {
  /** Root CID (CIDv1, base32) of the folder as one UnixFS directory. */
  cid: string;
  /** Gateway link to the folder, when a gateway URL is configured. */
  url?: string;
  /** Local file written (the CAR file), when the store writes one. */
  file?: string;
}

/** Where a run's archive folder goes. Implementations: {@link IpfsArtifactStore}, {@link CarArtifactStore}. */
export interface ArtifactStore {
  readonly name: string;
  /**
   * Readiness: throws `SinkUnavailableError` (try later) or `ConfigError` (fix the configuration),
   * each with the store's own message.
   */
  check(options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Publishes the folder as one directory: CIDv1, raw leaves, chunks of 256 KiB, so every store
   * gives the same CID for the same folder. Idempotent. Throws `SinkUnavailableError`
   * (retryable), `SinkRejectedError` (permanent) or `InputError` (the folder cannot be read).
   */
  publish(dir: string, options?: { signal?: AbortSignal }): Promise<ArtifactReceipt>;
}

/** `<gateway>/ipfs/<cid>/`, or undefined without a gateway. */
export function gatewayLink(gatewayUrl: string | undefined, cid: string): string | undefined {
  if (!gatewayUrl) return undefined;
  return `${gatewayUrl.replace(/\/+$/, '')}/ipfs/${cid}/`;
}
