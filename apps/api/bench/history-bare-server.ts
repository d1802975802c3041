// The reference for the GET /history bench: node:http and the bare driver, the same two SELECTs the
// results database sends (the series, then its last N points), JSON out. No auth, no validation.
import http from 'node:http';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

const SERIES = 'select * from series where benchmark = $1 and minion = $2 and measure = $3 and branch = $4';
const POINTS = `select p.run_id, p.value, p.n, p.median, p.mean, p.stddev, p.ci_lower, p.ci_upper, p.ci_level,
  r."commit", r.started_at, r.cid, r.first_parent_depth, c.subject, c.author_time
  from points p inner join runs r on r.id = p.run_id left join commits c on c.sha = r."commit"
  where p.series_key = $1
  order by case when r.first_parent_depth is null then 1 else 0 end desc, r.first_parent_depth desc,
    r.started_at desc, r.id desc, p.seq desc limit $2`;

type Query = (text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;
let query: Query;
if (process.env.DATABASE_URL) {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  query = async (text, values) => (await pool.query(text, values)).rows;
} else {
  const db = new BetterSqlite3(process.env.SQLITE_FILE as string, { readonly: true });
  const cache = new Map<string, BetterSqlite3.Statement>();
  query = async (text, values) => {
    const sqliteText = text.replace(/\$\d+/g, '?');
    let statement = cache.get(sqliteText);
    if (!statement) {
      statement = db.prepare(sqliteText);
      cache.set(sqliteText, statement);
    }
    return statement.all(...values) as Record<string, unknown>[];
  };
}

http
  .createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = url.searchParams;
    const [series] = await query(SERIES, [q.get('benchmark'), 'local', q.get('measure'), q.get('branch')]);
    const points = await query(POINTS, [series?.key, Number(q.get('limit'))]);
    points.reverse();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ series, points }));
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
