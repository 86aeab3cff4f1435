// Runs SQL files against a DuckDB file opened read-only, as a researcher
// would with DuckDB's node client, and prints one JSON object: per file
// its columns and rows (values as JSON), or its error.
//   node examples.mjs MODULE DBFILE FILE.sql...
// MODULE is the client package: @duckdb/node-api (the current client) or
// an alias of an older one in package.json (duckdb-oldest).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

const [mod, db, ...files] = process.argv.slice(2);
const { DuckDBInstance } = await import(mod);
const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
const conn = await instance.connect();
const out = { version: (await conn.runAndReadAll('SELECT version() AS v')).getRowObjectsJson()[0].v, files: {} };
for (const f of files) {
  try {
    const reader = await conn.runAndReadAll(await readFile(f, 'utf8'));
    out.files[basename(f)] = { columns: reader.columnNames(), rows: reader.getRowsJson() };
  } catch (e) {
    out.files[basename(f)] = { error: String(e.message ?? e) };
  }
}
console.log(JSON.stringify(out));
