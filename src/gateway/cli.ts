#!/usr/bin/env node
/**
 * The gateway's command line (yargs). Exit codes: 0 ok, 1 runtime failure, 2 bad usage or config.
 * Commands arrive with the capabilities behind them; each one does what it says or says why not.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { formatProblem, loadConfig } from './config.js';
import { preflight } from './preflight.js';

function start(configFile: string): number {
  const r = loadConfig(configFile);
  if (!r.ok) {
    for (const p of r.problems) console.error(formatProblem(configFile, p));
    console.error(`${configFile}: ${r.problems.length} problem(s); the gateway did not start`);
    return 2;
  }
  const base = path.dirname(path.resolve(configFile));
  const journalDir = path.resolve(base, r.config.journal.dir);
  fs.mkdirSync(journalDir, { recursive: true });
  const checks = preflight();
  for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: ${c.detail}`);
  if (checks.some((c) => !c.ok)) return 1;
  console.log(`gateway "${r.config.gateway.name}": configuration valid, journal directory ${journalDir}`);
  console.log(
    'Not yet in this build: FIX/SBE listeners, sessions, engine and journal (tracked as issues 3-7). ' +
      'The gateway exits after the preflight instead of pretending to serve.',
  );
  return 0;
}

export function main(argv: string[]): number {
  let code = 0;
  yargs(hideBin(argv))
    .scriptName('gateway')
    .option('config', { alias: 'c', type: 'string', default: 'gateway.config.json', describe: 'configuration file' })
    .command('start', 'validate the configuration and native module, then run the gateway', {}, (a) => {
      code = start(String(a.config));
    })
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .help()
    .exitProcess(false)
    .fail((msg, err) => {
      console.error(msg ?? err?.message);
      code = 2;
    })
    .parseSync();
  return code;
}

process.exitCode = main(process.argv);
