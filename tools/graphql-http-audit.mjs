// Runs the graphql-http server audits against a running Deal Brain API.
// Usage: node tools/graphql-http-audit.mjs [http://127.0.0.1:8000/graphql]
import { serverAudits } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8000/graphql';
const results = await Promise.all(serverAudits({ url }).map((a) => a.fn()));
let failures = 0;
for (const r of results) {
  if (r.status === 'ok') continue;
  if (r.status === 'error') failures += 1;
  console.log(`${r.status.toUpperCase()} ${r.name}: ${r.reason}`);
}
const count = (s) => results.filter((r) => r.status === s).length;
console.log(`ok ${count('ok')}, warn ${count('warn')}, error ${count('error')}`);
process.exit(failures ? 1 : 0);
