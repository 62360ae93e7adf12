// Runs SQL in an in-memory DuckDB and prints the last statement's rows as
// one JSON array on stdout. The SQL comes from argv[2], or from stdin when
// no argument is given. Errors go to stderr with exit status 1.
//
//   node query.mjs "SELECT 42 AS answer"        -> [{"answer":42}]
//
// Values are converted by DuckDB's getRowObjectsJson: BIGINT, HUGEINT and
// DECIMAL become strings (JSON numbers cannot hold them exactly), other
// numbers stay numbers, timestamps become ISO-like strings.
import { DuckDBInstance } from '@duckdb/node-api';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function main() {
  const sql = process.argv.length > 2 ? process.argv[2] : await readStdin();
  if (sql.trim() === '') {
    throw new Error('no SQL given (pass it as the first argument or on stdin)');
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    process.stdout.write(JSON.stringify(reader.getRowObjectsJson()) + '\n');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

main().catch((err) => {
  process.stderr.write(`duckdb: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
