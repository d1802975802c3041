import { createTestDatabase } from '@benchrunner/testing';
import pg from 'pg';
import { openResultsDb } from '../src/index.ts';
import { bisectionsContract } from './bisections-contract.ts';
import { confirmationsContract } from './confirmations-contract.ts';
import { type OpenFresh, resultsDbContract } from './contract.ts';
import { noiseContract } from './noise-contract.ts';
import { onDemandContract } from './on-demand-contract.ts';
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
onDemandContract('postgres', openFresh);

noiseContract('postgres', async () => {
  const database = await createTestDatabase();
  const db = openResultsDb({ databaseUrl: database.url, dataDir: '/nonexistent' });
  return {
    db,
    runRow: async (id) => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query('select * from runs where id = $1', [id])).rows[0];
      } finally {
        await client.end();
      }
    },
    dispose: async () => {
      await db.close();
      await database.drop();
    },
  };
});
bisectionsContract('postgres', openFresh);
confirmationsContract('postgres', openFresh);
