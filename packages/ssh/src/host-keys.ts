import { createHash, createHmac } from 'node:crypto';

/** `SHA256:` + unpadded base64 of a raw public key blob, as `ssh-keygen -lf` prints it. */
export function keyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type written at the start of an SSH public key blob (`ssh-ed25519`, ...). */
export function keyType(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1') || 'unknown';
}

/** How known_hosts names a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Whether one known_hosts host field (comma-separated patterns, or one `|1|salt|hash`) names the host. */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (globToRegExp(pattern.slice(1)).test(name)) return false;
    } else if (globToRegExp(pattern).test(name)) matched = true;
  }
  return matched;
}

/** The keys a known_hosts text lists for one host, as fingerprints; revoked ones apart. */
export function knownHostsFingerprints(
  text: string,
  host: string,
  port: number,
): { trusted: string[]; revoked: string[] } {
  const name = knownHostsName(host, port);
  const trusted: string[] = [];
  const revoked: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith('@')) marker = fields.shift();
    const [hosts, , blob] = fields;
    if (!hosts || !blob || !hostFieldMatches(hosts, name)) continue;
    // Certificate authorities are not supported: such a line pins no key.
    if (marker === '@cert-authority') continue;
    const fingerprint = keyFingerprint(Buffer.from(blob, 'base64'));
    if (marker === '@revoked') revoked.push(fingerprint);
    else trusted.push(fingerprint);
  }
  return { trusted, revoked };
}

/** Compares two `SHA256:` fingerprints, tolerating base64 padding on either side. */
export function sameFingerprint(a: string, b: string): boolean {
  return a.replace(/=+$/, '') === b.replace(/=+$/, '');
}
