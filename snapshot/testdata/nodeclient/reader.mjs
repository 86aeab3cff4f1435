// A researcher's client for the snapshot tests: it opens DuckDB files
// read-only with @duckdb/node-api (an older DuckDB than the writer's) and
// answers one line per command read from stdin:
//   open NAME PATH   open PATH read-only as connection NAME → "ok"
//   query NAME SQL   run SQL on NAME → the rows as one JSON line
// Errors answer "error MESSAGE". Connections stay open until stdin ends.
import { DuckDBInstance } from '@duckdb/node-api';
import readline from 'node:readline';

const conns = new Map();
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const [cmd, name, ...rest] = line.split(' ');
  try {
    if (cmd === 'open') {
      const instance = await DuckDBInstance.create(rest.join(' '), { access_mode: 'READ_ONLY' });
      conns.set(name, { instance, conn: await instance.connect() });
      console.log('ok');
    } else if (cmd === 'query') {
      const reader = await conns.get(name).conn.runAndReadAll(rest.join(' '));
      console.log(JSON.stringify(reader.getRowObjectsJson()));
    } else {
      console.log(`error unknown command ${cmd}`);
    }
  } catch (e) {
    console.log(`error ${String(e.message ?? e).replaceAll('\n', ' ')}`);
  }
}
