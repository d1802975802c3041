import { readFile } from 'node:fs/promises';
import type { Minion } from '@benchrunner/core';
import { ConnectionError } from './command-runner.ts';
import {
  keyFingerprint,
  keyType,
  knownHostsFingerprints,
  knownHostsName,
  sameFingerprint,
} from './host-keys.ts';

/** A minion reached over SSH. */
export type SshMinion = Extract<Minion, { kind: 'ssh' }>;

/** The host key check of one connection: the keys pinned in the inventory and its known_hosts file. */
export interface HostCheck {
  verify(key: Buffer): boolean;
  /** Why the last key was refused, with how to trust it; undefined when it was accepted. */
  refusal?: string;
}

export async function hostCheck(minion: SshMinion): Promise<HostCheck> {
  const pinned = [...minion.hostKeys];
  const revoked: string[] = [];
  let knownHostsNote = '';
  if (minion.knownHostsFile) {
    let text: string;
    try {
      text = await readFile(minion.knownHostsFile, 'utf8');
    } catch (cause) {
      throw new ConnectionError(
        `cannot read known_hosts file ${minion.knownHostsFile} of minion ${minion.name}: ${(cause as Error).message}`,
        { cause },
      );
    }
    const found = knownHostsFingerprints(text, minion.host, minion.port);
    pinned.push(...found.trusted);
    revoked.push(...found.revoked);
    knownHostsNote = ` or to ${minion.knownHostsFile} (as "${knownHostsName(minion.host, minion.port)} <type> <key>")`;
  }
  const check: HostCheck = {
    verify(key) {
      const fingerprint = keyFingerprint(key);
      const how =
        `If the minion really has this key (check on it: ssh-keygen -lf /etc/ssh/ssh_host_${keyType(key).replace(/^ssh-/, '')}_key.pub, ` +
        `or from here: ssh-keyscan -p ${minion.port} ${minion.host} | ssh-keygen -lf -), ` +
        `add ${fingerprint} to benchrunner_host_keys of ${minion.name} in the inventory${knownHostsNote}.`;
      const where = `minion ${minion.name} (${minion.host}:${minion.port})`;
      if (revoked.some((r) => sameFingerprint(r, fingerprint))) {
        check.refusal = `host key ${fingerprint} of ${where} is marked @revoked in ${minion.knownHostsFile}: refusing to connect.`;
        return false;
      }
      if (pinned.some((p) => sameFingerprint(p, fingerprint))) {
        check.refusal = undefined;
        return true;
      }
      check.refusal =
        pinned.length === 0
          ? `host key of ${where} is unknown: it presented ${keyType(key)} ${fingerprint} and no key is pinned for it. ${how}`
          : `host key of ${where} has CHANGED: it presented ${keyType(key)} ${fingerprint}, expected ${pinned.join(' or ')}. ` +
            `This can mean the minion was reinstalled, or someone is intercepting the connection. ${how}`;
      return false;
    },
  };
  return check;
}
