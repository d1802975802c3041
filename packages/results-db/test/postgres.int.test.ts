import { createTestDatabase } from '@benchrunner/testing';
import { openResultsDb } from '../src/index.ts';
import { resultsDbContract } from './contract.ts';

// The machine's PostgreSQL, one fresh database per opened ResultsDb, dropped afterwards.
resultsDbContract('postgres', async () => {
  const database = await createTestDatabase();
  const db = openResultsDb({ databaseUrl: database.url, dataDir: '/nonexistent' });
  return {
    db,
    dispose: async () => {
      await db.close();
      await database.drop();
    },
  };
});
