/**
 * SBE codecs in TypeScript: encode and decode of sbe-tool's Car example and of the gateway's
 * TradeCaptureReport (clearing schema), every field, strings copied into caller storage so that
 * nothing allocates. The GC probe runs a million decodes and reports collections and bytes per op.
 * Checksums are kept as int32 (`| 0`): a double returned from a non-inlined function is boxed by V8,
 * which would charge the harness's allocation to the codec.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as car from '../../test/generated/ts/example-schema/index.js';
import * as clr from '../../src/generated/clearing/index.js';
import { type Case, allocProbe, timeNs } from '../harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const REFDATA = process.env.GATEWAY_REFDATA ?? path.resolve(ROOT, '..', 'shared', 'data');
const scratch = new Uint8Array(256);
let sink = 0;

// ---- Car (the canonical SBE example; bytes from sbe-tool's golden vector)
const carBytes = new Uint8Array(fs.readFileSync(path.join(REFDATA, 'sbe', 'vectors', 'car_baseline_v0.bin')));
const carHeader = new car.MessageHeaderDecoder();
const carDec = new car.CarDecoder();

export function decodeCar(buf: Uint8Array): number {
  const d = carDec.wrapAndApplyHeader(buf, 0, carHeader);
  let s = (d.serialNumberAsNumber() + d.modelYear() + d.available() + d.code()) | 0;
  for (let i = 0; i < 4; i++) s += d.someNumbers(i);
  s = (s + (d.getVehicleCode(scratch, 0))) | 0;
  const x = d.extras();
  s = (s + ((x.sunRoof() ? 1 : 0) + (x.sportsPack() ? 2 : 0) + (x.cruiseControl() ? 4 : 0))) | 0;
  const e = d.engine();
  s = (s + (e.capacity() + e.numCylinders() + e.maxRpm() + e.getManufacturerCode(scratch, 0) + e.efficiency())) | 0;
  s = (s + (e.boosterEnabled() + e.booster().boostType() + e.booster().horsePower())) | 0;
  for (const f = d.fuelFigures(); f.hasNext(); ) {
    f.next();
    s = (s + (f.speed() + f.mpg() + f.getUsageDescription(scratch, 0, f.usageDescriptionLength()))) | 0;
  }
  for (const p = d.performanceFigures(); p.hasNext(); ) {
    p.next();
    s = (s + (p.octaneRating())) | 0;
    for (const a = p.acceleration(); a.hasNext(); ) {
      a.next();
      s = (s + (a.mph() + a.seconds())) | 0;
    }
  }
  s = (s + (d.getManufacturer(scratch, 0, d.manufacturerLength()))) | 0;
  s = (s + (d.getModel(scratch, 0, d.modelLength()))) | 0;
  s = (s + (d.getActivationCode(scratch, 0, d.activationCodeLength()))) | 0;
  return s;
}

const carOut = new Uint8Array(512);
const carEnc = new car.CarEncoder();
const carHeaderEnc = new car.MessageHeaderEncoder();
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const vehicleCode = ascii('abcdef');
const usage = [ascii('Urban Cycle'), ascii('Combined Cycle'), ascii('Highway Cycle')];
const honda = ascii('Honda');
const civic = ascii('Civic VTi');
const code123 = ascii('123');

export function encodeCar(buf: Uint8Array): number {
  const e = carEnc.wrapAndApplyHeader(buf, 0, carHeaderEnc);
  e.serialNumberAsNumber(1234).modelYear(2013).available(car.BooleanType.T).code(car.Model.A);
  for (let i = 0; i < 4; i++) e.someNumbers(i, i + 1);
  e.putVehicleCode(vehicleCode, 0);
  e.extras().clear().sportsPack(true).cruiseControl(true);
  const en = e.engine();
  en.capacity(2000).numCylinders(4).putManufacturerCode(code123, 0).efficiency(35).boosterEnabled(car.BooleanType.T);
  en.booster().boostType(car.BoostType.NITROUS).horsePower(200);
  const f = e.fuelFiguresCount(3);
  f.next().speed(30).mpg(35.9).putUsageDescription(usage[0]!, 0, usage[0]!.length);
  f.next().speed(55).mpg(49).putUsageDescription(usage[1]!, 0, usage[1]!.length);
  f.next().speed(75).mpg(40).putUsageDescription(usage[2]!, 0, usage[2]!.length);
  const p = e.performanceFiguresCount(2);
  for (const octane of [95, 99]) {
    const a = p.next().octaneRating(octane).accelerationCount(3);
    a.next().mph(30).seconds(4);
    a.next().mph(60).seconds(7.5);
    a.next().mph(100).seconds(12.2);
  }
  e.putManufacturer(honda, 0, honda.length).putModel(civic, 0, civic.length).putActivationCode(vehicleCode, 0, 6);
  return e.encodedLength();
}

// ---- TradeCaptureReport (the gateway's member protocol): two sides, one party each
const tcrBytes = new Uint8Array(512);
const tcrEnc = new clr.TradeCaptureReportEncoder();
const tcrHeaderEnc = new clr.MessageHeaderEncoder();
/** putX(src, off) copies the field's whole length, as sbe-tool does: sources are NUL-padded to it. */
const fixed = (s: string, n: number): Uint8Array => {
  const b = new Uint8Array(n);
  b.set(ascii(s));
  return b;
};
const E = clr.TradeCaptureReportEncoder;
const tradeId = fixed('T-20261123-000001', E.tradeReportIDLength);
const isin = fixed('US0378331005', E.securityIDLength);
const cusip = fixed('037833100', E.securityAltIDLength);
const usd = fixed('USD', E.currencyLength);
const S = clr.TradeCaptureReportSidesEncoder;
const firms = [fixed('MBR001', S.clearingFirmLength), fixed('MBR002', S.clearingFirmLength)];
const accounts = [fixed('ACC-1', S.accountLength), fixed('ACC-2', S.accountLength)];
const lei = fixed('5493001KJTIIGC8Y1R12', clr.TradeCaptureReportSidesPartiesEncoder.partyIDLength);

export function encodeTrade(buf: Uint8Array): number {
  const e = tcrEnc.wrapAndApplyHeader(buf, 0, tcrHeaderEnc);
  e.transactTimeAsNumber(1_763_900_000_123_456).tradeDate(20415).settlDate(20416).clearingBusinessDate(20415);
  e.lastQty().mantissaAsNumber(500);
  e.lastPx().mantissaAsNumber(187_250_000_000);
  e.tradeReportTransType(clr.TradeReportTransType.New).trdType(clr.TrdType.RegularTrade);
  e.putTradeReportID(tradeId, 0).putSecurityID(isin, 0).putSecurityAltID(cusip, 0).putCurrency(usd, 0);
  e.grossTradeAmt().mantissaAsNumber(936_250_000);
  const s = e.sidesCount(2);
  for (let i = 0; i < 2; i++) {
    const side = s.next().side(i === 0 ? clr.Side.Buy : clr.Side.Sell);
    side.putClearingFirm(firms[i]!, 0).putExecutingFirm(firms[i]!, 0).putAccount(accounts[i]!, 0);
    const c = side.commissionData();
    c.commission().mantissaAsNumber(12_500);
    c.commType(clr.CommType.Absolute).putCommCurrency(usd, 0);
    side.partiesCount(1).next().putPartyID(lei, 0).partyIDSource(clr.PartyIDSource.LEI).partyRole(clr.PartyRole.ClearingFirm);
  }
  e.attachmentsCount(0);
  e.putText(usd, 0, 0);
  return e.encodedLength();
}
encodeTrade(tcrBytes);

const tcrHeader = new clr.MessageHeaderDecoder();
const tcrDec = new clr.TradeCaptureReportDecoder();

export function decodeTrade(buf: Uint8Array): number {
  const d = tcrDec.wrapAndApplyHeader(buf, 0, tcrHeader);
  let s = (d.transactTimeAsNumber() + d.lastQty().mantissaAsNumber() + d.lastPx().mantissaAsNumber()) | 0;
  s = (s + (d.tradeDate() + d.settlDate() + d.clearingBusinessDate() + d.tradeReportTransType() + d.trdType())) | 0;
  s = (s + (d.getTradeReportID(scratch, 0) + d.getTradeReportRefID(scratch, 0) + d.getTrdMatchID(scratch, 0))) | 0;
  s = (s + (d.securityIDSource() + d.getSecurityID(scratch, 0) + d.securityAltIDSource() + d.getSecurityAltID(scratch, 0))) | 0;
  s = (s + (d.getCurrency(scratch, 0))) | 0;
  const g = d.grossTradeAmt();
  if (g !== undefined) s = (s + (g.mantissaAsNumber())) | 0;
  for (const side = d.sides(); side.hasNext(); ) {
    side.next();
    s = (s + (side.side() + side.accountType() + side.positionEffect())) | 0;
    s = (s + (side.getClearingFirm(scratch, 0) + side.getExecutingFirm(scratch, 0) + side.getAccount(scratch, 0))) | 0;
    const c = side.commissionData();
    if (c !== undefined) s = (s + (c.commission().mantissaAsNumber() + c.commType() + c.getCommCurrency(scratch, 0))) | 0;
    for (const p = side.parties(); p.hasNext(); ) {
      p.next();
      s = (s + (p.getPartyID(scratch, 0) + p.partyIDSource() + p.partyRole())) | 0;
    }
  }
  for (const a = d.attachments(); a.hasNext(); ) {
    a.next();
    s = (s + (a.getAttachmentName(scratch, 0) + a.getEncodedAttachment(scratch, 0, a.encodedAttachmentLength()))) | 0;
  }
  s = (s + (d.getText(scratch, 0, d.textLength()))) | 0;
  return s;
}

const N = 1_000_000;
export const cases: Case[] = [
  { name: 'sbe.decode.car', impl: 'ts', run: () => timeNs('sbe.decode.car', 'ts', () => (sink = (sink + (decodeCar(carBytes) | 0)) | 0), N) },
  { name: 'sbe.encode.car', impl: 'ts', run: () => timeNs('sbe.encode.car', 'ts', () => (sink = (sink + encodeCar(carOut)) | 0), N) },
  { name: 'sbe.decode.trade', impl: 'ts', run: () => timeNs('sbe.decode.trade', 'ts', () => (sink = (sink + (decodeTrade(tcrBytes) | 0)) | 0), N) },
  { name: 'sbe.encode.trade', impl: 'ts', run: () => timeNs('sbe.encode.trade', 'ts', () => (sink = (sink + encodeTrade(scratchOut)) | 0), N) },
  {
    name: 'sbe.alloc.decode.trade',
    impl: 'ts',
    run: async () => {
      const p = await allocProbe(() => (sink = (sink + (decodeTrade(tcrBytes) | 0)) | 0), N);
      return { case: 'sbe.alloc.decode.trade', impl: 'ts', unit: 'bytes/msg', median: p.bytesPerOp, min: p.bytesPerOp, max: p.bytesPerOp, runs: 1, extra: { ops: p.ops, gcEvents: p.gcEvents } };
    },
  },
  {
    name: 'sbe.alloc.decode.car',
    impl: 'ts',
    run: async () => {
      const p = await allocProbe(() => (sink = (sink + (decodeCar(carBytes) | 0)) | 0), N);
      return { case: 'sbe.alloc.decode.car', impl: 'ts', unit: 'bytes/msg', median: p.bytesPerOp, min: p.bytesPerOp, max: p.bytesPerOp, runs: 1, extra: { ops: p.ops, gcEvents: p.gcEvents } };
    },
  },
];
const scratchOut = new Uint8Array(512);
export function sinkValue(): number {
  return sink;
}
