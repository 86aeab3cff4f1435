// Runs SQL files against a DuckDB file opened read-only, as a researcher
// would with DuckDB's node client, and prints one JSON object: per file
// its columns and rows (values as JSON), or its error.
//   node examples.mjs CLIENTDIR DBFILE FILE.sql...
// CLIENTDIR is a folder whose node_modules hold the client,
// @duckdb/node-api: this folder (the current client) or
// ../nodeclient-oldest (the oldest that reads the snapshot).
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [clientDir, db, ...files] = process.argv.slice(2);
const require = createRequire(join(resolve(clientDir), 'package.json'));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);
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
