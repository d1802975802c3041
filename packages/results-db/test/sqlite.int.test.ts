import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openResultsDb } from '../src/index.ts';
import { bisectionsContract } from './bisections-contract.ts';
import { confirmationsContract } from './confirmations-contract.ts';
import { type OpenFresh, resultsDbContract } from './contract.ts';
import { noiseContract } from './noise-contract.ts';
import { onDemandContract } from './on-demand-contract.ts';
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
onDemandContract('sqlite', openFresh);

noiseContract('sqlite', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-results-db-'));
  const db = openResultsDb({ dataDir });
  return {
    db,
    runRow: async (id) => {
      const file = new BetterSqlite3(db.location, { readonly: true });
      try {
        return file.prepare('select * from runs where id = ?').get(id) as Record<string, unknown> | undefined;
      } finally {
        file.close();
      }
    },
    dispose: async () => {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
bisectionsContract('sqlite', openFresh);
confirmationsContract('sqlite', openFresh);
