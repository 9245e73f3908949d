/**
 * Test fixtures for the trade-feed receive path: classic libpcap files (magic a1b2c3d4, v2.4,
 * LINKTYPE_ETHERNET) of Ethernet/IPv4/UDP frames with correct IPv4 header and UDP checksums, noise
 * frames a feed must filter (ARP, IPv6, TCP, other UDP port, IPv4 fragment), and deterministic SBE
 * TradeCaptureReport messages of the clearing-member schema (generated TS codecs) with the field
 * values a test checks after decoding.
 */
import * as fs from 'node:fs';
import * as clr from '../../src/generated/clearing/index.js';

// ---------------------------------------------------------------- frames

const MAC_DST = [0x02, 0, 0, 0, 0, 0x01];
const MAC_SRC = [0x02, 0, 0, 0, 0, 0x02];

function sum16(bytes: Uint8Array, start: number, end: number, acc: number): number {
  for (let i = start; i + 1 < end; i += 2) acc += (bytes[i]! << 8) | bytes[i + 1]!;
  if ((end - start) & 1) acc += bytes[end - 1]! << 8;
  return acc;
}
function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return ~acc & 0xffff;
}

export interface UdpFrameOptions {
  srcIp?: readonly number[];
  dstIp?: readonly number[];
  srcPort?: number;
  dstPort: number;
  /** 802.1Q VLAN id: adds a tag. */
  vlan?: number;
  /** Sets the IPv4 MF flag (a first fragment, which a feed must not deliver). */
  fragment?: boolean;
  /** IP protocol (default 17 = UDP). */
  protocol?: number;
}

/** One Ethernet frame carrying IPv4/UDP with `payload`, checksums correct, padded to 60 bytes. */
export function udpFrame(payload: Uint8Array, o: UdpFrameOptions): Uint8Array {
  const l2 = o.vlan !== undefined ? 18 : 14;
  const l4 = 8 + payload.length;
  const total = l2 + 20 + l4;
  const f = new Uint8Array(Math.max(60, total));
  const v = new DataView(f.buffer);
  f.set(MAC_DST, 0);
  f.set(MAC_SRC, 6);
  if (o.vlan !== undefined) {
    v.setUint16(12, 0x8100);
    v.setUint16(14, o.vlan & 0xfff);
  }
  v.setUint16(l2 - 2, 0x0800);
  const ip = l2;
  f[ip] = 0x45;
  v.setUint16(ip + 2, 20 + l4);
  v.setUint16(ip + 4, 0x1234);
  v.setUint16(ip + 6, o.fragment ? 0x2000 : 0x4000);
  f[ip + 8] = 64;
  f[ip + 9] = o.protocol ?? 17;
  f.set(o.srcIp ?? [10, 0, 0, 2], ip + 12);
  f.set(o.dstIp ?? [10, 0, 0, 1], ip + 16);
  v.setUint16(ip + 10, fold(sum16(f, ip, ip + 20, 0)));
  const udp = ip + 20;
  v.setUint16(udp, o.srcPort ?? 40000);
  v.setUint16(udp + 2, o.dstPort);
  v.setUint16(udp + 4, l4);
  f.set(payload, udp + 8);
  // UDP checksum over the pseudo header (src, dst, 0, 17, length) and the datagram.
  let acc = sum16(f, ip + 12, ip + 20, 0) + 17 + l4;
  acc = sum16(f, udp, udp + l4, acc);
  const c = fold(acc);
  v.setUint16(udp + 6, c === 0 ? 0xffff : c);
  return f;
}

/** Verifies the IPv4 header and UDP checksums of a frame built by udpFrame (no VLAN). */
export function checksumsValid(f: Uint8Array): boolean {
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const l2 = v.getUint16(12) === 0x8100 ? 18 : 14;
  const ip = l2;
  if (fold(sum16(f, ip, ip + 20, 0)) !== 0) return false;
  const l4 = v.getUint16(ip + 24);
  const udp = ip + 20;
  let acc = sum16(f, ip + 12, ip + 20, 0) + 17 + l4;
  acc = sum16(f, udp, udp + l4, acc);
  return fold(acc) === 0;
}

/** Frames a UDP feed on `port` must filter: ARP, IPv6/UDP, IPv4/TCP, UDP to another port, an IPv4 fragment. */
export function noiseFrames(port: number): Uint8Array[] {
  const arp = new Uint8Array(60);
  arp.set(MAC_DST, 0);
  arp.set(MAC_SRC, 6);
  new DataView(arp.buffer).setUint16(12, 0x0806);
  const ipv6 = new Uint8Array(14 + 40 + 8 + 8);
  ipv6.set(MAC_DST, 0);
  ipv6.set(MAC_SRC, 6);
  const v6 = new DataView(ipv6.buffer);
  v6.setUint16(12, 0x86dd);
  ipv6[14] = 0x60;
  v6.setUint16(18, 16);
  ipv6[20] = 17;
  v6.setUint16(14 + 40 + 2, port);
  const body = new Uint8Array(32).fill(0xee);
  return [
    arp,
    ipv6,
    udpFrame(body, { dstPort: port, protocol: 6 }),
    udpFrame(body, { dstPort: port === 65535 ? 1 : port + 1 }),
    udpFrame(body, { dstPort: port, fragment: true }),
  ];
}

// ---------------------------------------------------------------- pcap files

/** Writes a classic pcap file (microsecond timestamps, LINKTYPE_ETHERNET) of the frames, in order. */
export function writePcap(file: string, frames: readonly Uint8Array[], startSec = 1_763_900_000): void {
  let size = 24;
  for (const f of frames) size += 16 + f.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true);
  v.setUint32(12, 0, true);
  v.setUint32(16, 65535, true);
  v.setUint32(20, 1, true);
  let off = 24;
  frames.forEach((f, i) => {
    v.setUint32(off, startSec + Math.floor(i / 1_000_000), true);
    v.setUint32(off + 4, i % 1_000_000, true);
    v.setUint32(off + 8, f.length, true);
    v.setUint32(off + 12, f.length, true);
    out.set(f, off + 16);
    off += 16 + f.length;
  });
  fs.writeFileSync(file, out);
}

/** Reads back a classic pcap file written by writePcap (for self-checks). */
export function readPcap(file: string): Uint8Array[] {
  const b = fs.readFileSync(file);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0, true) !== 0xa1b2c3d4 || v.getUint32(20, true) !== 1) throw new Error(`${file}: not a little-endian Ethernet pcap`);
  const frames: Uint8Array[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const incl = v.getUint32(off + 8, true);
    frames.push(new Uint8Array(b.buffer, b.byteOffset + off + 16, incl));
    off += 16 + incl;
  }
  return frames;
}

// ---------------------------------------------------------------- SBE trade messages

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const fixed = (s: string, n: number): Uint8Array => {
  const b = new Uint8Array(n);
  b.set(ascii(s).subarray(0, n));
  return b;
};

/** Expected values of trade i (deterministic). */
export function tradeFields(i: number): {
  transactTime: number;
  lastQty: number;
  lastPx: number;
  tradeReportID: string;
  securityID: string;
  sides: number;
} {
  return {
    transactTime: 1_763_900_000_000_000 + i,
    lastQty: 100 + (i % 9_900),
    lastPx: 187_250_000_000 + (i % 100_000) * 10_000_000,
    tradeReportID: `T${String(i).padStart(10, '0')}`,
    securityID: i % 2 === 0 ? 'US0378331005' : 'US5949181045',
    sides: 1 + (i % 2),
  };
}

/**
 * Encodes SBE TradeCaptureReport i (messageHeader + body) into buf at 0; returns its length.
 * Sizes vary with i (one or two sides; the text field carries i % 40 bytes).
 */
export class TradeEncoder {
  private readonly header = new clr.MessageHeaderEncoder();
  private readonly enc = new clr.TradeCaptureReportEncoder();
  private readonly usd = fixed('USD', clr.TradeCaptureReportEncoder.currencyLength);
  private readonly firms = [fixed('MBR001', clr.TradeCaptureReportSidesEncoder.clearingFirmLength), fixed('MBR002', clr.TradeCaptureReportSidesEncoder.clearingFirmLength)];
  private readonly text = ascii('x'.repeat(40));

  encode(buf: Uint8Array, i: number): number {
    const t = tradeFields(i);
    const e = this.enc.wrapAndApplyHeader(buf, 0, this.header);
    e.transactTimeAsNumber(t.transactTime).tradeDate(20415).settlDate(20416).clearingBusinessDate(20415);
    e.lastQty().mantissaAsNumber(t.lastQty);
    e.lastPx().mantissaAsNumber(t.lastPx);
    e.tradeReportTransType(clr.TradeReportTransType.New).trdType(clr.TrdType.RegularTrade);
    e.putTradeReportID(fixed(t.tradeReportID, clr.TradeCaptureReportEncoder.tradeReportIDLength), 0);
    e.putSecurityID(fixed(t.securityID, clr.TradeCaptureReportEncoder.securityIDLength), 0);
    e.putCurrency(this.usd, 0);
    const s = e.sidesCount(t.sides);
    for (let k = 0; k < t.sides; k++) {
      const side = s.next().side(k === 0 ? clr.Side.Buy : clr.Side.Sell);
      side.putClearingFirm(this.firms[k]!, 0).putExecutingFirm(this.firms[k]!, 0);
      side.partiesCount(0);
    }
    e.attachmentsCount(0);
    e.putText(this.text, 0, i % 40);
    return e.encodedLength();
  }

  /** A fresh copy of trade i. */
  bytes(i: number): Uint8Array {
    const buf = new Uint8Array(1024);
    return buf.slice(0, this.encode(buf, i));
  }
}
