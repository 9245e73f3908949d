/**
 * `npm run bench -- [regex]`: run every benchmark case whose `case/impl` name matches, print one JSON
 * line per case, then a table. Cases live in perf/cases/*.ts and export `cases: Case[]`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Case, type Result, compare, table } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const filter = new RegExp(process.argv[2] ?? '.');
  const results: Result[] = [];
  const dir = path.join(here, 'cases');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { cases: Case[] };
    for (const c of mod.cases) {
      if (!filter.test(`${c.name}/${c.impl}`)) continue;
      results.push(await c.run());
    }
  }
  compare(results);
  for (const r of results) console.log(JSON.stringify(r));
  console.log(`\n${table(results)}`);
}

await main();
