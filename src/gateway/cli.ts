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
import { startAcceptanceServer, SUPPORTED_BEGIN_STRINGS } from './acceptance.js';

/**
 * acceptance-server: the session layer with the QuickFIX acceptance application (src/gateway/acceptance.ts)
 * until SIGINT/SIGTERM. Resolves with the exit code.
 */
async function acceptanceServer(port: number, beginString: string, host: string, transport: 'node' | 'native'): Promise<number> {
  if (!(SUPPORTED_BEGIN_STRINGS as readonly string[]).includes(beginString)) {
    console.error(
      `acceptance-server: ${beginString} is not supported yet: there is no data dictionary for it in ../shared/data ` +
        `(supported: ${SUPPORTED_BEGIN_STRINGS.join(', ')})`,
    );
    return 2;
  }
  const server = await startAcceptanceServer({ port, host, beginString, transport });
  console.log(`acceptance-server: ${beginString} listening on ${host}:${server.port} (${transport} transport)`);
  return await new Promise<number>((resolve) => {
    const stop = (sig: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      console.log(`acceptance-server: ${sig}, closing`);
      server.close().then(
        () => resolve(0),
        (e: unknown) => {
          console.error(e);
          resolve(1);
        },
      );
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

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
  const checks = preflight(r.config);
  for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: ${c.detail}`);
  if (checks.some((c) => !c.ok)) return 1;
  console.log(`gateway "${r.config.gateway.name}": configuration valid, journal directory ${journalDir}`);
  console.log(
    'Not yet in this build: the composed gateway (sessions on the transports, engine, journal; issues 4-7). ' +
      'The gateway exits after the preflight instead of pretending to serve.',
  );
  return 0;
}

/** A long-running command's completion (acceptance-server); undefined for synchronous commands. */
let pending: Promise<number> | undefined;

export function main(argv: string[]): number {
  let code = 0;
  yargs(hideBin(argv))
    .scriptName('gateway')
    .option('config', { alias: 'c', type: 'string', default: 'gateway.config.json', describe: 'configuration file' })
    .command('start', 'validate the configuration and native module, then run the gateway', {}, (a) => {
      code = start(String(a.config));
    })
    .command(
      'acceptance-server',
      'run the QuickFIX acceptance-test acceptor (SenderCompID ISLD, clients TW*, ResetOnLogon) until SIGINT/SIGTERM',
      (y) =>
        y
          .option('port', { type: 'number', demandOption: true, describe: 'TCP port (0 = ephemeral)' })
          .option('begin-string', { type: 'string', demandOption: true, choices: ['FIX.4.2', 'FIX.4.4', 'FIXT.1.1'] })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to bind' })
          .option('transport', { type: 'string', choices: ['node', 'native'], default: 'node', describe: 'pure-Node or native network agent' }),
      (a) => {
        pending = acceptanceServer(Number(a.port), String(a['begin-string']), String(a.host), a.transport === 'native' ? 'native' : 'node');
      },
    )
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
if (pending !== undefined && process.exitCode === 0) {
  pending.then(
    (c) => {
      process.exitCode = c;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}
