/**
 * ISO 20022 writers: head.001.001.03 business application headers, secl.010.001.03 settlement
 * obligation reports (one per member) and sese.023.001.11 settlement instructions (one per member
 * per security obligation, DELI/RECE against payment with the CCP, transaction type NETT).
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; NOT DTCC-certified. Element choices
 * are documented in README.md ("ISO 20022 messages").
 *
 * Everything that does not change between the messages of a cycle (the parties, a member's
 * accounts, a security's identification and price) is rendered once into a fragment and reused, so
 * the per-instruction work is a handful of concatenations. Fragments are escaped when built.
 *
 * A `CycleXml` is built per cycle and owned by the caller's thread.
 */
import { isoDate, trimmedText } from './text.js';
import { ByteOut } from './bytes.js';
import { MSG_DEF, NS, XML_DECL, XmlWriter, escapeText } from './xml.js';
import type { CycleComputation, CycleMember, CycleSecurity, DepositoryParty, Obligation, PostalAddress } from './types.js';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** PostalAddress1 (sese.023 / secl.010 NmAndAdr): AdrLine*, StrtNm, BldgNb, PstCd, TwnNm, CtrySubDvsn, Ctry. */
function postalAddress1(w: XmlWriter, tag: string, a: PostalAddress): void {
  w.open(tag);
  for (const l of a.lines ?? []) w.leaf('AdrLine', l);
  w.opt('StrtNm', a.street).opt('BldgNb', a.buildingNumber).opt('PstCd', a.postCode).opt('TwnNm', a.town).opt('CtrySubDvsn', a.countrySubDivision);
  w.leaf('Ctry', a.country).close(tag);
}

/** PostalAddress24 (head.001): StrtNm, BldgNb, PstCd, TwnNm, CtrySubDvsn, Ctry, AdrLine*. */
function postalAddress24(w: XmlWriter, a: PostalAddress): void {
  w.open('PstlAdr');
  w.opt('StrtNm', a.street).opt('BldgNb', a.buildingNumber).opt('PstCd', a.postCode).opt('TwnNm', a.town).opt('CtrySubDvsn', a.countrySubDivision);
  w.leaf('Ctry', a.country);
  for (const l of a.lines ?? []) w.leaf('AdrLine', l);
  w.close('PstlAdr');
}

/** The depository as a party identification: by BIC, else name and address (PartyIdentification34/146 choice). */
function depositoryId(w: XmlWriter, dep: DepositoryParty, bicTag: string): void {
  if (dep.bic !== undefined) w.leaf(bicTag, dep.bic);
  else {
    w.open('NmAndAdr').leaf('Nm', dep.name);
    if (dep.address) postalAddress1(w, 'Adr', dep.address);
    w.close('NmAndAdr');
  }
}

/** The depository as safekeeping place: NCSD by BIC, else its country (SafekeepingPlaceFormat choice). */
function depositoryPlace(w: XmlWriter, dep: DepositoryParty): XmlWriter {
  if (dep.bic !== undefined) w.open('TpAndId').leafRaw('SfkpgPlcTp', 'NCSD').leaf('Id', dep.bic).close('TpAndId');
  else w.leaf('Ctry', dep.address!.country);
  return w;
}

export class CycleXml {
  private readonly c: CycleComputation;
  private readonly ccy: string;
  private readonly settl: string;
  private readonly trade: string;
  private readonly created: string;
  /** AppHdr Fr (CCP). */
  private readonly hdrFromCcp: string;
  /** AppHdr Fr (CCP) + To (depository). */
  private readonly hdrToDepository: string;
  private readonly bizSvc: string;
  /** sese.023 TradDtls/PlcOfClr. */
  private readonly placeOfClearing: string;
  /** sese.023 QtyAndAcctDtls/SfkpgPlc. */
  private readonly safekeepingPlace: string;
  /** sese.023 counterparty (CCP at the depository) for a DELI (receiving parties) and a RECE (delivering parties). */
  private readonly ccpPartiesFor: { DELI: string; RECE: string };
  /** secl.010 SfkpgPlc (the depository). */
  private readonly seclSfkpgPlc: string;
  private readonly securityFrag = new Map<string, { id: Buffer; price: string }>();

  constructor(c: CycleComputation) {
    this.c = c;
    const i = c.input;
    const dep = i.depository;
    this.ccy = escapeText(i.currency);
    this.settl = isoDate(i.settlDate);
    this.trade = isoDate(i.businessDate);
    this.created = escapeText(i.createdAt);

    this.hdrFromCcp = new XmlWriter().open('Fr').open('FIId').open('FinInstnId').leaf('BICFI', i.ccp.bic).leaf('LEI', i.ccp.lei).close('FinInstnId').close('FIId').close('Fr').text();
    const w = new XmlWriter().raw(this.hdrFromCcp);
    // The depository by BIC when it has one (the name and address then add nothing to routing), else by name and address.
    w.open('To').open('FIId').open('FinInstnId');
    if (dep.bic !== undefined) w.leaf('BICFI', dep.bic).opt('LEI', dep.lei);
    else {
      w.opt('LEI', dep.lei).leaf('Nm', dep.name);
      if (dep.address) postalAddress24(w, dep.address);
    }
    w.close('FinInstnId').close('FIId').close('To');
    this.hdrToDepository = w.text();
    this.bizSvc = dep.businessService !== undefined ? new XmlWriter().leaf('BizSvc', dep.businessService).text() : '';

    this.placeOfClearing = new XmlWriter().open('PlcOfClr').leaf('Id', i.ccp.bic).leaf('LEI', i.ccp.lei).close('PlcOfClr').text();

    this.safekeepingPlace = depositoryPlace(new XmlWriter().open('SfkpgPlc').open('SfkpgPlcFrmt'), dep).close('SfkpgPlcFrmt').close('SfkpgPlc').text();

    const parties = (tag: string): string => {
      const p = new XmlWriter().open(tag).open('Dpstry').open('Id');
      depositoryId(p, dep, 'AnyBIC');
      p.close('Id').opt('LEI', dep.lei).close('Dpstry');
      p.open('Pty1').open('Id').leaf('AnyBIC', i.ccp.bic).close('Id').leaf('LEI', i.ccp.lei);
      p.open('SfkpgAcct').leaf('Id', dep.safekeepingAccount).close('SfkpgAcct').close('Pty1').close(tag);
      return p.text();
    };
    this.ccpPartiesFor = { DELI: parties('RcvgSttlmPties'), RECE: parties('DlvrgSttlmPties') };

    this.seclSfkpgPlc = depositoryPlace(new XmlWriter().open('SfkpgPlc'), dep).close('SfkpgPlc').text();
  }

  /** Per security: FinInstrmId (ISIN + CUSIP) and the price text, as bytes (ASCII by validation). */
  private security(s: CycleSecurity): { id: Buffer; price: string } {
    let f = this.securityFrag.get(s.isin);
    if (f === undefined) {
      const w = new XmlWriter().open('FinInstrmId').leaf('ISIN', s.isin);
      if (s.cusip !== undefined) w.open('OthrId').leaf('Id', s.cusip).open('Tp').leafRaw('Cd', 'CUSP').close('Tp').close('OthrId');
      f = { id: utf8(w.close('FinInstrmId').text()), price: trimmedText(s.price, 9) };
      this.securityFrag.set(s.isin, f);
    }
    return f;
  }

  /** AppHdr addressed to a member (secl.010): FIId with BIC when known, LEI, name, the member id issued by the CCP. */
  private hdrToMember(m: CycleMember): string {
    const i = this.c.input;
    const w = new XmlWriter().raw(this.hdrFromCcp);
    w.open('To').open('FIId').open('FinInstnId');
    if (m.bic !== undefined) w.leaf('BICFI', m.bic);
    w.leaf('LEI', m.lei).leaf('Nm', m.name).open('Othr').leaf('Id', m.id).leaf('Issr', i.ccp.bic).close('Othr');
    return w.close('FinInstnId').close('FIId').close('To').text();
  }

  /** The member as account owner (sese.023 QtyAndAcctDtls): AcctOwnr, SfkpgAcct, CshAcct. */
  private memberAccounts(m: CycleMember): string {
    const w = new XmlWriter().open('AcctOwnr').open('Id');
    if (m.bic !== undefined) w.leaf('AnyBIC', m.bic);
    else w.open('PrtryId').leaf('Id', m.id).leaf('Issr', this.c.input.ccp.bic).close('PrtryId');
    w.close('Id').leaf('LEI', m.lei).close('AcctOwnr');
    w.open('SfkpgAcct').leaf('Id', m.securitiesAccount).close('SfkpgAcct');
    w.open('CshAcct').leaf('Prtry', m.cashAccount).close('CshAcct');
    return w.text();
  }

  /**
   * The sese.023 batch file of one member: `BizMsgBatch` holding one `BizMsg` (AppHdr + Document) per
   * obligation with a securities movement, one message per line.
   */
  sese023Batch(m: CycleMember, obligations: readonly Obligation[], out: ByteOut): void {
    const ccy = this.ccy;
    const hdrHead = utf8(`<BizMsg><AppHdr xmlns="${NS.head}">${this.hdrToDepository}<BizMsgIdr>`);
    const hdrTail = utf8(
      `</BizMsgIdr><MsgDefIdr>${MSG_DEF.sese023}</MsgDefIdr>${this.bizSvc}<CreDt>${this.created}</CreDt></AppHdr><Document xmlns="${NS.sese023}"><SctiesSttlmTxInstr><TxId>`,
    );
    const trade = `</SctiesMvmntTp><Pmt>APMT</Pmt></SttlmTpAndAddtlParams><TradDtls>${this.placeOfClearing}<TradDt><Dt><Dt>${this.trade}</Dt></Dt></TradDt><SttlmDt><Dt><Dt>${this.settl}</Dt></Dt></SttlmDt><DealPric><Tp><Yldd>false</Yldd></Tp><Val><Amt Ccy="${ccy}">`;
    const mvmt = {
      DELI: utf8(`</TxId><SttlmTpAndAddtlParams><SctiesMvmntTp>DELI${trade}`),
      RECE: utf8(`</TxId><SttlmTpAndAddtlParams><SctiesMvmntTp>RECE${trade}`),
    };
    const priceTail = utf8('</Amt></Val></DealPric></TradDtls>');
    const qtyHead = utf8('<QtyAndAcctDtls><SttlmQty><Qty><Unit>');
    const acct = utf8(
      `</Unit></Qty></SttlmQty>${this.memberAccounts(m)}${this.safekeepingPlace}</QtyAndAcctDtls><SttlmParams><SctiesTxTp><Cd>NETT</Cd></SctiesTxTp><PrtlSttlmInd>PART</PrtlSttlmInd></SttlmParams>`,
    );
    const parties = {
      DELI: utf8(`${this.ccpPartiesFor.DELI}<SttlmAmt><Amt Ccy="${ccy}">`),
      RECE: utf8(`${this.ccpPartiesFor.RECE}<SttlmAmt><Amt Ccy="${ccy}">`),
    };
    const tail = {
      DELI: utf8('</Amt><CdtDbtInd>CRDT</CdtDbtInd></SttlmAmt></SctiesSttlmTxInstr></Document></BizMsg>\n'),
      RECE: utf8('</Amt><CdtDbtInd>DBIT</CdtDbtInd></SttlmAmt></SctiesSttlmTxInstr></Document></BizMsg>\n'),
    };
    out.ascii(XML_DECL).ascii(`<BizMsgBatch xmlns="${NS.envelope}">\n`);
    for (const o of obligations) {
      const d = o.side === 'DELIVER' ? 'DELI' : 'RECE';
      const f = this.security(o.security);
      out.bytes(hdrHead).ascii(o.instructionId).bytes(hdrTail).ascii(o.instructionId).bytes(mvmt[d]).ascii(f.price).bytes(priceTail);
      out.bytes(f.id).bytes(qtyHead).ascii(String(o.quantity)).bytes(acct).bytes(parties[d]).ascii(trimmedText(o.settlementValue, 4)).bytes(tail[d]);
    }
    out.ascii('</BizMsgBatch>\n');
  }

  /** One AddtlSttlmOblgtnDtls component (new net activity or a carried fail), in contract money. */
  private component(o: Obligation, kind: 'NEW1' | 'FAIL', qty: number, money: number, settlDate: number): string {
    const mvmt = qty > 0 ? 'RECE' : qty < 0 ? 'DELI' : o.side === 'DELIVER' ? 'DELI' : 'RECE';
    return (
      `<AddtlSttlmOblgtnDtls><RltdSttlmOblgtnId>${o.instructionId}</RltdSttlmOblgtnId><OblgtnTp><Cd>${kind}</Cd></OblgtnTp>` +
      `<Desc>${kind === 'NEW1' ? 'NEW NET ACTIVITY' : 'FAIL CARRIED'}</Desc><Qty><Unit>${Math.abs(qty)}</Unit></Qty>` +
      `<SttlmAmt><Amt Ccy="${this.ccy}">${trimmedText(Math.abs(money), 4)}</Amt>${money === 0 ? '' : money > 0 ? '<CdtDbtInd>CRDT</CdtDbtInd>' : '<CdtDbtInd>DBIT</CdtDbtInd>'}</SttlmAmt>` +
      `<SttlmDt>${isoDate(settlDate)}</SttlmDt><SctiesMvmntTp>${mvmt}</SctiesMvmntTp><Pmt>APMT</Pmt></AddtlSttlmOblgtnDtls>`
    );
  }

  /**
   * The secl.010 settlement obligation report of one member, wrapped in a `BizMsg` with an AppHdr
   * from the CCP to the member: one SttlmOblgtnDtls per obligation with a securities movement (the
   * counterparty is always the CCP at the depository named in SfkpgPlc; the member's account is the
   * report's DlvryAcct). An obligation carrying a fail is broken down into its new net activity
   * (NEW1) and the carried fail (FAIL), in contract money.
   */
  secl010(m: CycleMember, obligations: readonly Obligation[], out: ByteOut): void {
    const i = this.c.input;
    const rptId = `${i.cycleId}-${m.id}`;
    const w = new XmlWriter();
    w.raw(XML_DECL).openNs('BizMsg', NS.envelope).raw('\n');
    w.openNs('AppHdr', NS.head).raw(this.hdrToMember(m)).leafRaw('BizMsgIdr', rptId).leafRaw('MsgDefIdr', MSG_DEF.secl010).leafRaw('CreDt', this.created).close('AppHdr').raw('\n');
    w.openNs('Document', NS.secl010).open('SttlmOblgtnRpt');
    w.open('RptParams').leafRaw('RptId', rptId).open('RptDtAndTm').leafRaw('DtTm', this.created).close('RptDtAndTm').close('RptParams');
    w.open('Pgntn').leafRaw('PgNb', '1').leafRaw('LastPgInd', 'true').close('Pgntn');
    w.open('ClrMmb');
    if (m.bic !== undefined) w.leaf('BIC', m.bic);
    else w.open('PrtryId').leaf('Id', m.id).leaf('Issr', i.ccp.bic).close('PrtryId');
    w.close('ClrMmb');
    w.open('DlvryAcct').leaf('Id', m.securitiesAccount).close('DlvryAcct');
    w.open('RptDtls').raw('\n');
    out.utf8(w.text());
    const head = utf8('<SttlmOblgtnDtls><SttlmOblgtnId>');
    const idTail = utf8('</SttlmOblgtnId>');
    const qty = utf8(`<IntnddSttlmDt><Dt><Dt>${this.settl}</Dt></Dt></IntnddSttlmDt><Qty><Unit>`);
    const amt = utf8(`</Unit></Qty><SttlmAmt><Amt Ccy="${this.ccy}">`);
    const place = `<PlcOfTrad><Tp><Cd>VARI</Cd></Tp></PlcOfTrad><TradDt><Dt>${this.trade}</Dt></TradDt>${this.seclSfkpgPlc}`;
    const dir = {
      DELI: utf8(`</Amt><CdtDbtInd>CRDT</CdtDbtInd></SttlmAmt>${place}<SctiesMvmntTp>DELI</SctiesMvmntTp><Pmt>APMT</Pmt>`),
      RECE: utf8(`</Amt><CdtDbtInd>DBIT</CdtDbtInd></SttlmAmt>${place}<SctiesMvmntTp>RECE</SctiesMvmntTp><Pmt>APMT</Pmt>`),
    };
    const end = utf8('</SttlmOblgtnDtls>\n');
    for (const o of obligations) {
      out.bytes(head).ascii(o.instructionId).bytes(idTail).bytes(this.security(o.security).id).bytes(qty).ascii(String(o.quantity)).bytes(amt);
      out.ascii(trimmedText(o.settlementValue, 4)).bytes(dir[o.side === 'DELIVER' ? 'DELI' : 'RECE']);
      if (o.failQty !== 0 || o.failMoney !== 0) {
        if (o.newNetQty !== 0 || o.newMoney !== 0) out.utf8(this.component(o, 'NEW1', o.newNetQty, o.newMoney, i.settlDate));
        out.utf8(this.component(o, 'FAIL', o.failQty, o.failMoney, o.failSettlDate));
      }
      out.bytes(end);
    }
    out.ascii('</RptDtls></SttlmOblgtnRpt></Document>\n</BizMsg>\n');
  }
}
