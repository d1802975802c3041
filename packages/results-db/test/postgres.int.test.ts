import { createTestDatabase } from '@benchrunner/testing';
import { openResultsDb } from '../src/index.ts';
import { confirmationsContract } from './confirmations-contract.ts';
import { type OpenFresh, resultsDbContract } from './contract.ts';
import { regressionsContract } from './regressions-contract.ts';

// The machine's PostgreSQL, one fresh database per opened ResultsDb, dropped afterwards.
const openFresh: OpenFresh = async () => {
  const database = await createTestDatabase();
  const db = openResultsDb({ databaseUrl: database.url, dataDir: '/nonexistent' });
  return {
    db,
    dispose: async () => {
      await db.close();
      await database.drop();
    },
  };
};

resultsDbContract('postgres', openFresh);
regressionsContract('postgres', openFresh);
confirmationsContract('postgres', openFresh);
