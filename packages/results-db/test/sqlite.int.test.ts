import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openResultsDb } from '../src/index.ts';
import { confirmationsContract } from './confirmations-contract.ts';
import { type OpenFresh, resultsDbContract } from './contract.ts';
import { regressionsContract } from './regressions-contract.ts';

const openFresh: OpenFresh = async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-results-db-'));
  const db = openResultsDb({ dataDir });
  return {
    db,
    dispose: async () => {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};

resultsDbContract('sqlite', openFresh);
regressionsContract('sqlite', openFresh);
confirmationsContract('sqlite', openFresh);
