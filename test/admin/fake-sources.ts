/**
 * A fake AdminSources for the admin tests: two sessions, positions (one money mantissa beyond 2^53),
 * margin with an excess and a deficit, obligations; records the query values it was called with.
 */
import type { AdminSources, HealthInfo } from '../../src/admin/sources.js';

export interface Calls {
  positions: (string | undefined)[];
  obligations: (number | undefined)[];
}

export function fakeSources(health: HealthInfo = { journal: { durablePosition: 4096, endPosition: 4160 }, ready: { journal: true, fix: true } }): { sources: AdminSources; calls: Calls } {
  const calls: Calls = { positions: [], obligations: [] };
  const sources: AdminSources = {
    sessions: () => [
      { sessionId: 7, member: 'MBR1', beginString: 'FIX.4.4', senderCompId: 'CCP', targetCompId: 'MEMBER1', state: 'logged-on', loggedOn: true, nextInSeq: 12, nextOutSeq: 15, remoteAddress: '127.0.0.1', remotePort: 50123, tls: false },
      { sessionId: 8, member: 'MBR2', beginString: 'FIXT.1.1', senderCompId: 'CCP', targetCompId: 'MEMBER2', state: 'disconnected', loggedOn: false, nextInSeq: 1, nextOutSeq: 1, remoteAddress: null },
    ],
    positions: (member) => {
      calls.positions.push(member);
      const rows = [
        { member: 'MBR1', isin: 'US0378331005', settlDate: 20261126, netQty: 100, netMoney: -18_725_0000 },
        // Beyond 2^53 as a mantissa: must come out digit for digit.
        { member: 'MBR2', isin: 'US0378331005', settlDate: 20261126, netQty: -100, netMoney: 123_456_789_012_345_678_901n },
      ];
      return Promise.resolve(member === undefined ? rows : rows.filter((r) => r.member === member));
    },
    margin: () => [
      { member: 'MBR1', requirement: 12_345_600, collateralValue: 20_000_000n, marginCall: false },
      { member: 'MBR2', requirement: 5_000_000_000n, collateralValue: 1_000_000, marginCall: true },
    ],
    obligations: (settlDate) => {
      calls.obligations.push(settlDate);
      return {
        settlDate: settlDate ?? 20261126,
        rows: [
          { member: 'MBR1', isin: 'US0378331005', settlDate: settlDate ?? 20261126, netQty: 100, netMoney: -18_725_0000 },
          { member: 'MBR2', isin: 'US0378331005', settlDate: settlDate ?? 20261126, netQty: -100, netMoney: 18_725_0000 },
          { member: 'MBR3', isin: 'US0378331005', settlDate: settlDate ?? 20261126, netQty: 0, netMoney: 5 },
        ],
      };
    },
    health: () => health,
  };
  return { sources, calls };
}

