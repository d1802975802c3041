import { freePort, startIpfs } from '@benchrunner/testing';
import { IpfsArtifactStore } from '../src/ipfs-artifact-store.ts';
import { artifactStoreContract } from './artifact-store-contract.ts';

artifactStoreContract('IpfsArtifactStore', async () => {
  const ipfs = await startIpfs();
  return {
    store: new IpfsArtifactStore({ url: ipfs.apiUrl }),
    unavailable: new IpfsArtifactStore({ url: `http://127.0.0.1:${await freePort()}` }),
    dispose: () => ipfs.stop(),
  };
});
