/**
 * The worked cycle of the settlement tests: 3 members, 3 securities, one carried fail, one flat row
 * with money, checked against the hand-computed figures in `EXPECTED` (README of test/fixtures/
 * settlement explains the arithmetic). Not a test file itself.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; not DTCC-certified.
 */
import type { CycleInput, CycleMember, CyclePosition, CycleSecurity } from '../../src/settlement/types.js';

/** CycleInput with mutable lists, so tests can derive variants. */
export interface WorkedCycle extends CycleInput {
  members: CycleMember[];
  securities: CycleSecurity[];
  positions: CyclePosition[];
}

export const AAPL = 'US0378331005'; // CUSIP 037833100
export const MSFT = 'US5949181045'; // CUSIP 594918104
export const GOOG = 'US38259P5089'; // CUSIP 38259P508

/** Money (10^-4) from a decimal text, for readable fixtures. */
export const money = (s: string): number => Math.round(Number(s) * 10_000); // fixture literals only (≤ 4 decimals, far below 2^53)

export function workedCycle(): WorkedCycle {
  return {
    cycleId: '20261125',
    settlDate: 20261125,
    businessDate: 20261124,
    createdAt: '2026-11-24T22:00:00Z',
    currency: 'USD',
    ccp: { bic: 'CLGWUS33XXX', lei: '5493001KJTIIGC8Y1R12', name: 'Example Clearing Corporation' },
    depository: {
      bic: 'DPSTUS33XXX',
      name: 'Example Depository & Trust',
      address: { street: '1 Example Plaza', town: 'New York', postCode: '10041', countrySubDivision: 'NY', country: 'US' },
      safekeepingAccount: 'CNS-0001',
      businessService: 'EXAMPLE-SETTLEMENT',
    },
    // Deliberately unsorted: the output order must not depend on the input order.
    members: [
      { id: 'MBRC', lei: '529900T8BM49AURSDO55', bic: 'MBRCUS33XXX', name: 'Member C <Prime> Brokerage', cashAccount: 'C-CASH-1', securitiesAccount: 'C-SEC-1' },
      { id: 'MBRA', lei: 'HWUPKR0MPOU8FGXBT394', bic: 'MBRAUS33XXX', name: 'Member A Securities', cashAccount: 'A-CASH-1', securitiesAccount: 'A-SEC-1' },
      { id: 'MBRB', lei: '7LTWFZYICNSX8D621K86', name: 'Member B "Clearing" & Co', cashAccount: 'B-CASH-1', securitiesAccount: 'B-SEC-1' },
    ],
    securities: [
      { isin: GOOG, cusip: '38259P508', price: 12_345_678_901, currency: 'USD' }, // 12.345678901
      { isin: AAPL, cusip: '037833100', price: 190_000_000_000 }, // 190
      { isin: MSFT, cusip: '594918104', price: 410_125_000_000 }, // 410.125
    ],
    positions: [
      // AAPL: A buys 300 from B @ 189.50; C buys 100 from B @ 191.
      { member: 'MBRA', isin: AAPL, netQty: 300, netMoney: money('-56850') },
      { member: 'MBRB', isin: AAPL, netQty: -400, netMoney: money('75950') },
      { member: 'MBRC', isin: AAPL, netQty: 100, netMoney: money('-19100') },
      // MSFT: B buys 50 from C @ 400; carried fail from 2026-11-24: A failed to deliver 20 (sold @ 400),
      // allocated to C, which failed to receive 20.
      { member: 'MBRA', isin: MSFT, netQty: 0, netMoney: 0, failQty: -20, failMoney: money('8000'), failSettlDate: 20261124 },
      { member: 'MBRB', isin: MSFT, netQty: 50, netMoney: money('-20000') },
      { member: 'MBRC', isin: MSFT, netQty: -50, netMoney: money('20000'), failQty: 20, failMoney: money('-8000'), failSettlDate: 20261124 },
      // GOOG: A sells 1000 to C @ 12.30; B buys 500 from C @ 12.00 and sells 500 to C @ 12.50 (flat, +250).
      { member: 'MBRA', isin: GOOG, netQty: -1000, netMoney: money('12300') },
      { member: 'MBRB', isin: GOOG, netQty: 0, netMoney: money('250') },
      { member: 'MBRC', isin: GOOG, netQty: 1000, netMoney: money('-12550') },
      // A member with nothing due is not listed in files but is in the money summary.
    ],
  };
}
