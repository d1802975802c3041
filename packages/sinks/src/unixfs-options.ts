import type { ImporterOptions } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';

/** Kubo's `add --cid-version=1 --raw-leaves` DAG shape, spelled out so a library default change cannot alter CIDs. */
export const CHUNK_SIZE = 262_144;
const MAX_CHILDREN_PER_NODE = 174;

export function unixfsImporterOptions(): ImporterOptions {
  return {
    cidVersion: 1,
    rawLeaves: true,
    wrapWithDirectory: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: CHUNK_SIZE }),
    layout: balanced({ maxChildrenPerNode: MAX_CHILDREN_PER_NODE }),
  };
}
