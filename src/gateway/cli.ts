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
import { formatMoney4, readClearingJournal } from './clearing-report.js';
import { preflight } from './preflight.js';
import { journalDumpCommand, journalReplayCommand, journalVerifyCommand } from './journal-tools.js';
import { checkRefData, formatYmd } from './refdata.js';
import { startAcceptanceServer, SUPPORTED_BEGIN_STRINGS } from './acceptance.js';
import { type RunningGateway, startGateway } from './gateway.js';
import { hashPassword } from './members.js';

/**
 * acceptance-server: the session layer with the QuickFIX acceptance application (src/gateway/acceptance.ts)
 * until SIGINT/SIGTERM. Resolves with the exit code.
 */
async function acceptanceServer(port: number, beginString: string, host: string, transport: 'node' | 'native'): Promise<number> {
  if (!(SUPPORTED_BEGIN_STRINGS as readonly string[]).includes(beginString)) {
    // yargs has reported the bad choice already; with exitProcess(false) the handler still runs.
    console.error(`acceptance-server: BeginString ${beginString} is not supported (supported: ${SUPPORTED_BEGIN_STRINGS.join(', ')})`);
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

/**
 * start: validate the configuration, the native module and the reference data, recover the journal
 * (sessions and the clearing engine), listen, serve until SIGINT/SIGTERM (then close listeners and
 * connections and flush the journal). Resolves with the exit code. Prints `gateway: listening
 * <fix/tcp|fix/tls> <host>:<port>` per listener, then `gateway: ready`.
 */
async function start(configFile: string): Promise<number> {
  const r = loadConfig(configFile);
  if (!r.ok) {
    for (const p of r.problems) console.error(formatProblem(configFile, p));
    console.error(`${configFile}: ${r.problems.length} problem(s); the gateway did not start`);
    return 2;
  }
  const config = r.config;
  const baseDir = path.dirname(path.resolve(configFile));
  const refData = checkRefData(config, baseDir, configFile);
  const checks = [...preflight(config), refData];
  for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: ${c.detail}`);
  if (checks.some((c) => !c.ok)) return 1;
  let gw: RunningGateway;
  try {
    gw = await startGateway(config, { baseDir, refData });
  } catch (e) {
    console.error(`gateway "${config.gateway.name}" did not start: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const missing = ['settlement (issue 6)', 'SBE/UDP venue feed and admin HTTP (issue 7)'];
  if (gw.clearing === undefined) missing.unshift('clearing engine (no clearing section in the configuration)');
  console.log(`gateway: not composed yet: ${missing.join('; ')}`);
  console.log(`gateway: ready`);
  return await new Promise<number>((resolve) => {
    const stop = (sig: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      console.log(`gateway: ${sig}, closing`);
      gw.close().then(
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

/** hash-password: reads a password from stdin (first line) and prints its verifier for credentials.passwordHash. */
function hashPasswordCommand(): number {
  const text = fs.readFileSync(0, 'utf8').split(/\r?\n/)[0] ?? '';
  if (text.length === 0) {
    console.error('hash-password: no password on stdin');
    return 2;
  }
  console.log(hashPassword(text));
  return 0;
}

/**
 * report positions: the members' open positions as the journal's engine records leave them (read-only
 * scan, clearing-report.ts; needs no reference data and may run beside a live gateway).
 */
function reportPositions(configFile: string, memberFilter: string | undefined): number {
  const r = loadConfig(configFile);
  if (!r.ok) {
    for (const p of r.problems) console.error(formatProblem(configFile, p));
    return 2;
  }
  const dir = path.resolve(path.dirname(path.resolve(configFile)), r.config.journal.dir);
  if (!fs.existsSync(dir)) {
    console.error(`report positions: no journal at ${dir}`);
    return 1;
  }
  const rep = readClearingJournal(dir);
  const rows = rep.positions.filter((p) => memberFilter === undefined || p.member === memberFilter);
  console.log(
    `positions: journal ${dir}: ${rep.records} records${rep.stoppedAt >= 0 ? ` (stopped at an invalid record at ${rep.stoppedAt})` : ''}; ` +
      `business date ${rep.businessDate >= 0 ? formatYmd(rep.businessDate) : '-'}; last trade id ${rep.lastTradeId}; ${rows.length} open position(s)${memberFilter ? ` of ${memberFilter}` : ''}`,
  );
  if (rows.length > 0) {
    console.log(['member', 'isin', 'settlDate', 'netQty', 'netMoney'].join('\t'));
    for (const p of rows) console.log([p.member, p.isin, formatYmd(p.settlDate), String(p.netQty), formatMoney4(p.netMoney)].join('\t'));
  }
  return 0;
}

/** A long-running command's completion (acceptance-server); undefined for synchronous commands. */
let pending: Promise<number> | undefined;

export function main(argv: string[]): number {
  let code = 0;
  yargs(hideBin(argv))
    .scriptName('gateway')
    .option('config', { alias: 'c', type: 'string', default: 'gateway.config.json', describe: 'configuration file' })
    .command('start', 'validate the configuration and native module, recover the journal, then serve until SIGINT/SIGTERM', {}, (a) => {
      pending = start(String(a.config));
    })
    .command(
      'report <what>',
      'print a report read from the journal (offline; what: positions)',
      (y) =>
        y
          .positional('what', { type: 'string', choices: ['positions'], describe: 'positions: open net positions per member, security and settlement date' })
          .option('member', { type: 'string', describe: 'only this member' }),
      (a) => {
        code = reportPositions(String(a.config), a.member === undefined ? undefined : String(a.member));
      },
    )
    .command('hash-password', 'read a password from stdin and print its scrypt verifier (credentials.passwordHash)', {}, () => {
      code = hashPasswordCommand();
    })
    .command(
      'acceptance-server',
      'run the QuickFIX acceptance-test acceptor (SenderCompID ISLD, clients TW*, ResetOnLogon) until SIGINT/SIGTERM',
      (y) =>
        y
          .option('port', { type: 'number', demandOption: true, describe: 'TCP port (0 = ephemeral)' })
          .option('begin-string', { type: 'string', demandOption: true, choices: SUPPORTED_BEGIN_STRINGS })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to bind' })
          .option('transport', { type: 'string', choices: ['node', 'native'], default: 'node', describe: 'pure-Node or native network agent' }),
      (a) => {
        pending = acceptanceServer(Number(a.port), String(a['begin-string']), String(a.host), a.transport === 'native' ? 'native' : 'node');
      },
    )
    .command('journal', "inspect the journal read-only (safe on a running gateway's directory)", (y) => {
      const dirOpts = (yy: typeof y) =>
        yy
          .positional('dir', { type: 'string', demandOption: true, describe: 'journal directory (journal.dir)' })
          .option('json', { type: 'boolean', default: false })
          .option('buffer-bytes', { type: 'number', describe: "writer's group-commit buffer = torn-tail window (default 4 MiB)" })
          .option('segment-bytes', { type: 'number', describe: 'default: from the segment files' });
      return y
        .command('verify <dir>', 'check every record; exit 0 clean, 3 torn tail (recoverable), 4 corruption', dirOpts, (a) => {
          code = journalVerifyCommand(String(a.dir), { json: a.json, bufferBytes: a['buffer-bytes'], segmentBytes: a['segment-bytes'] });
        })
        .command(
          'dump <dir>',
          'one decoded line per record (--json: JSON lines)',
          (yy) =>
            dirOpts(yy)
              .option('from', { type: 'number', describe: 'first journal position' })
              .option('type', { type: 'string', choices: ['inbound', 'outbound', 'engine', 'session'] })
              .option('session', { type: 'number', describe: 'sessionId (fix.sessions[].sessionId)' })
              .option('limit', { type: 'number' }),
          (a) => {
            code = journalDumpCommand(String(a.dir), {
              json: a.json,
              from: a.from,
              type: a.type as 'inbound' | 'outbound' | 'engine' | 'session' | undefined,
              session: a.session,
              limit: a.limit,
              bufferBytes: a['buffer-bytes'],
              segmentBytes: a['segment-bytes'],
            });
          },
        )
        .command('replay <dir>', 'stream every record in order; report records/s (progress on stderr)', dirOpts, (a) => {
          code = journalReplayCommand(String(a.dir), { json: a.json, bufferBytes: a['buffer-bytes'], segmentBytes: a['segment-bytes'] });
        })
        .demandCommand(1, 'journal verify|dump|replay <dir>');
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
