/**
 * Certificate extension decoding (src/x509/extensions.ts, RFC 5280 §4.2)
 * from extnValue DER, extension by extension: what each decodes to, the
 * profile problems it notes (criticality, empty values), and each malformed
 * encoding refused with its message (a Malformed, which parseCertificate
 * turns into ERR_DTLS_BAD_CERTIFICATE).
 */
import { describe, expect, it } from 'vitest';
import { decodeDer } from '../../src/x509/asn1.js';
import { type CertificateExtension, decodeDistributionPointName, decodeExtensions, decodeKeyUsage, integerContents, reasonFlags } from '../../src/x509/extensions.js';
import { Malformed } from '../../src/x509/malformed.js';
import { bits, bool, ctx, ctxPrim, ia5, int, nul, octets, oid, seq, set, utf8 } from './helpers/der.js';

const b = (...x: number[]): Uint8Array => Uint8Array.from(x);
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const dns = (s: string): Uint8Array => ctxPrim(2, ascii(s));
const uri = (s: string): Uint8Array => ctxPrim(6, ascii(s));
const OIDS = {
  bc: '2.5.29.19', ku: '2.5.29.15', eku: '2.5.29.37', san: '2.5.29.17', nc: '2.5.29.30', ski: '2.5.29.14', aki: '2.5.29.35',
  aia: '1.3.6.1.5.5.7.1.1', cdp: '2.5.29.31', cp: '2.5.29.32', pc: '2.5.29.36', pm: '2.5.29.33', iap: '2.5.29.54', ian: '2.5.29.18',
} as const;
const ext = (o: string, value: Uint8Array, critical = false): CertificateExtension => ({ oid: o, critical, value });
const dec = (o: string, value: Uint8Array, critical = false) => decodeExtensions([ext(o, value, critical)]);
const refused = (o: string, value: Uint8Array, message: string, critical = false) =>
  expect(() => dec(o, value, critical)).toThrow(new Malformed(message));

describe('basicConstraints', () => {
  it('decodes cA and pathLenConstraint', () => {
    expect(dec(OIDS.bc, seq(), true).decoded.basicConstraints).toEqual({ ca: false, pathLen: undefined, critical: true });
    expect(dec(OIDS.bc, seq(bool(true))).decoded.basicConstraints).toEqual({ ca: true, pathLen: undefined, critical: false });
    expect(dec(OIDS.bc, seq(bool(false)), true).decoded.basicConstraints).toEqual({ ca: false, pathLen: undefined, critical: true });
    expect(dec(OIDS.bc, seq(bool(true), int(3)), true).decoded.basicConstraints).toEqual({ ca: true, pathLen: 3, critical: true });
    expect(dec(OIDS.bc, seq(int(0)), true).decoded.basicConstraints).toEqual({ ca: false, pathLen: 0, critical: true });
    expect(dec(OIDS.bc, seq(int(2)), true).decoded.basicConstraints).toEqual({ ca: false, pathLen: 2, critical: true });
  });

  it('refuses malformed ones', () => {
    refused(OIDS.bc, int(1), 'malformed basicConstraints');
    refused(OIDS.bc, seq(bool(true), int(3), nul()), 'malformed basicConstraints');
    refused(OIDS.bc, seq(bool(true), bool(true)), 'malformed basicConstraints pathLenConstraint');
    refused(OIDS.bc, seq(int(1), nul()), 'malformed basicConstraints pathLenConstraint');
    refused(OIDS.bc, seq(int(1), int(1)), 'malformed basicConstraints pathLenConstraint');
    refused(OIDS.bc, seq(nul()), 'malformed basicConstraints pathLenConstraint');
    refused(OIDS.bc, seq(bool(true), int(-1)), 'malformed basicConstraints pathLenConstraint');
    refused(OIDS.bc, seq(b(0x01, 0x01, 0x01)), 'malformed basicConstraints pathLenConstraint');
  });
});

describe('keyUsage', () => {
  const flags = (value: Uint8Array) => decodeKeyUsage(value);
  it('decodes each bit, within the used bits only', () => {
    const ds = flags(bits(b(0x80), 7));
    expect(ds.empty).toBe(false);
    expect(Object.entries(ds.flags).filter(([, v]) => v).map(([k]) => k)).toEqual(['digitalSignature']);
    const ca = flags(bits(b(0x06), 1));
    expect(Object.entries(ca.flags).filter(([, v]) => v).map(([k]) => k)).toEqual(['keyCertSign', 'cRLSign']);
    const all = flags(bits(b(0xff, 0x80), 7));
    expect(Object.values(all.flags)).toEqual(new Array(9).fill(true));
    const d = flags(bits(b(0x00, 0x80), 7));
    expect(Object.entries(d.flags).filter(([, v]) => v).map(([k]) => k)).toEqual(['decipherOnly']);
    expect(d.empty).toBe(false);
    // A set bit among the unused ones is not read.
    const unused = flags(bits(b(0x01), 1));
    expect(unused.empty).toBe(true);
    expect(unused.flags.encipherOnly).toBe(false);
    expect(flags(bits(b(0x01), 0)).flags.encipherOnly).toBe(true);
  });

  it('says when no bit is set, and refuses what is no BIT STRING', () => {
    expect(flags(bits(b(0x00))).empty).toBe(true);
    expect(flags(bits(new Uint8Array(0))).empty).toBe(true);
    expect(dec(OIDS.ku, bits(b(0x00)), true).problems).toEqual(['keyUsage has no bit set (RFC 5280 §4.2.1.3)']);
    const r = dec(OIDS.ku, bits(b(0x80), 7), true);
    expect(r.problems).toEqual([]);
    expect(r.decoded.keyUsage?.digitalSignature).toBe(true);
    expect(Object.isFrozen(r.decoded.keyUsage)).toBe(true);
    refused(OIDS.ku, octets(b(0x80)), 'malformed keyUsage');
  });
});

describe('extKeyUsage', () => {
  it('decodes a non-empty list of OIDs', () => {
    expect(dec(OIDS.eku, seq(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2'))).decoded.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    refused(OIDS.eku, seq(), 'malformed extKeyUsage');
    refused(OIDS.eku, seq(oid('1.2.3'), utf8('x')), 'malformed extKeyUsage');
    refused(OIDS.eku, oid('1.2.3'), 'malformed extKeyUsage');
  });
});

describe('subjectAltName and issuerAltName', () => {
  it('decodes the names and their criticality', () => {
    const r = dec(OIDS.san, seq(dns('a.example')), true);
    expect(r.decoded.subjectAltName).toEqual([{ type: 'dns', value: 'a.example' }]);
    expect(r.decoded.subjectAltNameCritical).toBe(true);
    expect(dec(OIDS.san, seq(dns('a.example'))).decoded.subjectAltNameCritical).toBe(false);
    refused(OIDS.san, seq(), 'malformed subjectAltName');
  });

  it('checks an issuerAltName, and keeps nothing of it', () => {
    const r = dec(OIDS.ian, seq(dns('a.example')), true);
    expect(r.decoded).toEqual({});
    expect(r.unhandledCritical).toEqual([]);
    refused(OIDS.ian, seq(), 'malformed issuerAltName');
  });
});

describe('nameConstraints', () => {
  it('decodes permitted and excluded subtrees', () => {
    expect(dec(OIDS.nc, seq(ctx(0, seq(dns('a.example'))), ctx(1, seq(dns('b.example')), seq(dns('c.example')))), true).decoded.nameConstraints).toEqual({
      permitted: [{ type: 'dns', value: 'a.example' }],
      excluded: [{ type: 'dns', value: 'b.example' }, { type: 'dns', value: 'c.example' }],
      critical: true,
    });
    expect(dec(OIDS.nc, seq(ctx(1, seq(dns('b.example'))))).decoded.nameConstraints).toEqual({
      permitted: [], excluded: [{ type: 'dns', value: 'b.example' }], critical: false,
    });
    expect(dec(OIDS.nc, seq(ctx(0, seq(dns('a.example'), ctxPrim(0, b(0)))))).decoded.nameConstraints).toEqual({
      permitted: [{ type: 'dns', value: 'a.example' }], excluded: [], critical: false,
    });
  });

  it('refuses malformed ones and what is not supported', () => {
    refused(OIDS.nc, seq(), 'malformed nameConstraints');
    refused(OIDS.nc, nul(), 'malformed nameConstraints');
    refused(OIDS.nc, seq(ctx(1, seq(dns('b'))), ctx(0, seq(dns('a')))), 'malformed nameConstraints');
    refused(OIDS.nc, seq(ctx(0, seq(dns('a'))), ctx(0, seq(dns('a')))), 'malformed nameConstraints');
    refused(OIDS.nc, seq(ctx(2, seq(dns('a')))), 'malformed nameConstraints');
    refused(OIDS.nc, seq(bool(true)), 'malformed nameConstraints'); // UNIVERSAL 1, not [1]
    refused(OIDS.nc, seq(ctx(0)), 'malformed nameConstraints');
    refused(OIDS.nc, seq(ctxPrim(0, dns('a'))), 'malformed nameConstraints');
    refused(OIDS.nc, seq(ctx(0, dns('a'))), 'malformed GeneralSubtree');
    refused(OIDS.nc, seq(ctx(0, seq())), 'malformed GeneralSubtree');
    refused(OIDS.nc, seq(ctx(0, seq(dns('a'), ctxPrim(1, b(5))))), 'nameConstraints maximum is not supported');
    refused(OIDS.nc, seq(ctx(0, seq(dns('a'), ctxPrim(0, b(0)), ctxPrim(1, b(5))))), 'nameConstraints maximum is not supported');
    refused(OIDS.nc, seq(ctx(0, seq(dns('a'), ctxPrim(0, b(1))))), 'nameConstraints minimum other than 0 is not supported');
    refused(OIDS.nc, seq(ctx(0, seq(dns('a'), ctxPrim(0, b(0, 0))))), 'nameConstraints minimum other than 0 is not supported');
    refused(OIDS.nc, seq(ctx(0, seq(dns('a'), ctx(0, int(0))))), 'malformed GeneralSubtree');
    refused(OIDS.nc, seq(ctx(0, seq(dns('a'), int(0)))), 'malformed GeneralSubtree');
    refused(OIDS.nc, seq(ctx(0, seq(dns('a'), ctxPrim(2, b(0))))), 'malformed GeneralSubtree');
    refused(OIDS.nc, seq(ctx(0, seq(utf8('a')))), 'malformed GeneralSubtree base: bad GeneralName');
  });
});

describe('subjectKeyIdentifier', () => {
  it('decodes the key id and notes a critical one', () => {
    const r = dec(OIDS.ski, octets(b(1, 2, 3)));
    expect(r.decoded.subjectKeyIdentifier).toEqual(b(1, 2, 3));
    expect(r.problems).toEqual([]);
    expect(dec(OIDS.ski, octets(b(1)), true).problems).toEqual(['subjectKeyIdentifier is critical (RFC 5280 §4.2.1.2: MUST be non-critical)']);
    refused(OIDS.ski, bits(b(1)), 'malformed subjectKeyIdentifier');
  });
});

describe('authorityKeyIdentifier', () => {
  it('decodes its three fields', () => {
    const r = dec(OIDS.aki, seq(ctxPrim(0, b(9, 8)), ctx(1, dns('ca.example')), ctxPrim(2, b(5))));
    expect(r.decoded.authorityKeyIdentifier).toEqual({ keyIdentifier: b(9, 8), issuer: [{ type: 'dns', value: 'ca.example' }], serial: b(5) });
    expect(r.problems).toEqual([]);
    expect(dec(OIDS.aki, seq(ctxPrim(0, b(9)))).decoded.authorityKeyIdentifier).toEqual({ keyIdentifier: b(9) });
  });

  it('notes what the profile forbids', () => {
    expect(dec(OIDS.aki, seq(ctxPrim(0, b(9))), true).problems).toEqual(['authorityKeyIdentifier is critical (RFC 5280 §4.2.1.1: MUST be non-critical)']);
    expect(dec(OIDS.aki, seq()).problems).toEqual(['authorityKeyIdentifier without keyIdentifier (RFC 5280 §4.2.1.1)']);
    const only = 'authorityKeyIdentifier has only one of authorityCertIssuer and authorityCertSerialNumber (RFC 5280 §4.2.1.1)';
    expect(dec(OIDS.aki, seq(ctxPrim(0, b(9)), ctx(1, dns('ca.example')))).problems).toEqual([only]);
    expect(dec(OIDS.aki, seq(ctxPrim(0, b(9)), ctxPrim(2, b(5)))).problems).toEqual([only]);
    expect(dec(OIDS.aki, seq(ctx(1, dns('ca.example')), ctxPrim(2, b(5)))).problems).toEqual(['authorityKeyIdentifier without keyIdentifier (RFC 5280 §4.2.1.1)']);
  });

  it('refuses malformed ones', () => {
    refused(OIDS.aki, octets(b(1)), 'malformed authorityKeyIdentifier');
    refused(OIDS.aki, seq(int(1)), 'malformed authorityKeyIdentifier');
    refused(OIDS.aki, seq(ctxPrim(3, b(1))), 'malformed authorityKeyIdentifier');
    refused(OIDS.aki, seq(ctxPrim(2, b(1)), ctxPrim(0, b(1))), 'malformed authorityKeyIdentifier');
    refused(OIDS.aki, seq(ctx(0, nul())), 'malformed authorityKeyIdentifier keyIdentifier');
    refused(OIDS.aki, seq(ctxPrim(0, b(9)), ctx(1)), 'malformed authorityKeyIdentifier authorityCertIssuer');
    refused(OIDS.aki, seq(ctxPrim(0, b(9)), ctxPrim(1, b(1))), 'malformed authorityKeyIdentifier authorityCertIssuer');
    refused(OIDS.aki, seq(ctx(1, dns('a')), ctxPrim(2, new Uint8Array(0))), 'malformed authorityKeyIdentifier authorityCertSerialNumber');
    refused(OIDS.aki, seq(ctx(1, dns('a')), ctx(2, int(1))), 'malformed authorityKeyIdentifier authorityCertSerialNumber');
  });
});

describe('authorityInfoAccess', () => {
  it('decodes each AccessDescription', () => {
    const r = dec(OIDS.aia, seq(seq(oid('1.3.6.1.5.5.7.48.1'), uri('http://o.example/')), seq(oid('1.3.6.1.5.5.7.48.2'), uri('http://c.example/'))));
    expect(r.decoded.authorityInfoAccess).toEqual([
      { method: '1.3.6.1.5.5.7.48.1', location: { type: 'uri', value: 'http://o.example/' } },
      { method: '1.3.6.1.5.5.7.48.2', location: { type: 'uri', value: 'http://c.example/' } },
    ]);
    expect(r.problems).toEqual([]);
    expect(dec(OIDS.aia, seq(seq(oid('1.2.3'), uri('x'))), true).problems).toEqual(['authorityInfoAccess is critical (RFC 5280 §4.2.2.1: MUST be non-critical)']);
  });

  it('refuses malformed ones', () => {
    refused(OIDS.aia, seq(), 'malformed authorityInfoAccess');
    refused(OIDS.aia, nul(), 'malformed authorityInfoAccess');
    refused(OIDS.aia, seq(nul()), 'malformed AccessDescription');
    refused(OIDS.aia, seq(seq(oid('1.2.3'))), 'malformed AccessDescription');
    refused(OIDS.aia, seq(seq(oid('1.2.3'), uri('x'), uri('y'))), 'malformed AccessDescription');
    refused(OIDS.aia, seq(seq(utf8('1.2.3'), uri('x'))), 'malformed AccessDescription');
    refused(OIDS.aia, seq(seq(oid('1.2.3'), utf8('x'))), 'malformed accessLocation: bad GeneralName');
  });
});

describe('cRLDistributionPoints', () => {
  const rdn = set(seq(oid('2.5.4.3'), utf8('crl')));
  it('decodes each DistributionPoint', () => {
    expect(dec(OIDS.cdp, seq(seq(ctx(0, ctx(0, uri('http://c.example/'))), ctxPrim(1, b(7, 0x80)), ctx(2, dns('i.example'))))).decoded.crlDistributionPoints).toEqual([
      { name: { fullName: [{ type: 'uri', value: 'http://c.example/' }] }, reasons: b(7, 0x80), crlIssuer: [{ type: 'dns', value: 'i.example' }] },
    ]);
    expect(dec(OIDS.cdp, seq(seq(ctx(2, dns('i.example'))), seq(ctx(0, ctx(1, rdn))))).decoded.crlDistributionPoints).toEqual([
      { crlIssuer: [{ type: 'dns', value: 'i.example' }] },
      { name: { relativeName: ctx(1, rdn) } },
    ]);
    expect(dec(OIDS.cdp, seq(seq(ctxPrim(1, b(0))))).decoded.crlDistributionPoints).toEqual([{ reasons: b(0) }]);
  });

  it('refuses malformed ones', () => {
    refused(OIDS.cdp, seq(), 'malformed cRLDistributionPoints');
    refused(OIDS.cdp, nul(), 'malformed cRLDistributionPoints');
    refused(OIDS.cdp, seq(seq()), 'malformed DistributionPoint');
    refused(OIDS.cdp, seq(nul()), 'malformed DistributionPoint');
    refused(OIDS.cdp, seq(seq(ctx(3, nul()))), 'malformed DistributionPoint');
    refused(OIDS.cdp, seq(seq(ctx(0), ctxPrim(1, b(0)))), 'malformed distributionPoint');
    refused(OIDS.cdp, seq(seq(ctx(0, ctx(0, uri('x')), ctx(0, uri('y'))))), 'malformed distributionPoint');
    refused(OIDS.cdp, seq(seq(ctxPrim(0, uri('x')))), 'malformed distributionPoint');
    refused(OIDS.cdp, seq(seq(ctx(0, ctx(2, uri('x'))))), 'malformed distributionPoint');
    refused(OIDS.cdp, seq(seq(ctx(0, ctx(1)))), 'malformed distributionPoint');
    refused(OIDS.cdp, seq(seq(ctx(0, ctxPrim(1, b(1))))), 'malformed distributionPoint');
    refused(OIDS.cdp, seq(seq(ctx(0, ctx(0)))), 'malformed distributionPoint fullName');
    refused(OIDS.cdp, seq(seq(ctxPrim(1, new Uint8Array(0)))), 'malformed DistributionPoint reasons');
    refused(OIDS.cdp, seq(seq(ctxPrim(1, b(8, 0)))), 'malformed DistributionPoint reasons');
    refused(OIDS.cdp, seq(seq(ctx(1, bits(b(0x80), 7)))), 'malformed DistributionPoint reasons');
    refused(OIDS.cdp, seq(seq(ctx(2))), 'malformed cRLIssuer');
  });

  it('decodeDistributionPointName and reasonFlags on their own', () => {
    expect(decodeDistributionPointName(decodeDer(ctx(0, ctx(0, dns('a'))))!, 'x')).toEqual({ fullName: [{ type: 'dns', value: 'a' }] });
    expect(() => decodeDistributionPointName(decodeDer(ctx(0, ctx(3, dns('a'))))!, 'the point')).toThrow(new Malformed('malformed the point'));
    expect(reasonFlags(decodeDer(ctxPrim(1, b(7, 0x80)))!, 'r')).toEqual(b(7, 0x80));
    expect(() => reasonFlags(decodeDer(ctxPrim(1, b(0xff, 0x80)))!, 'r')).toThrow(new Malformed('malformed r'));
  });
});

describe('certificatePolicies', () => {
  it('decodes the policy ids', () => {
    expect(dec(OIDS.cp, seq(seq(oid('1.2.3')), seq(oid('2.5.29.32.0'), seq(seq(oid('1.3.6.1.5.5.7.2.1'), ia5('http://cps')))))).decoded.certificatePolicies)
      .toEqual(['1.2.3', '2.5.29.32.0']);
  });

  it('refuses malformed ones and a policy listed twice', () => {
    refused(OIDS.cp, seq(), 'malformed certificatePolicies');
    refused(OIDS.cp, nul(), 'malformed certificatePolicies');
    refused(OIDS.cp, seq(seq(oid('1.2.3')), seq(oid('1.2.3'))), 'certificatePolicies lists a policy twice');
    refused(OIDS.cp, seq(nul()), 'malformed PolicyInformation');
    refused(OIDS.cp, seq(seq(utf8('1.2.3'))), 'malformed PolicyInformation');
    refused(OIDS.cp, seq(seq(oid('1.2.3'), nul())), 'malformed PolicyInformation');
    refused(OIDS.cp, seq(seq(oid('1.2.3'), seq(), seq())), 'malformed PolicyInformation');
  });
});

describe('policyConstraints', () => {
  it('decodes both SkipCerts and notes a non-critical one', () => {
    const r = dec(OIDS.pc, seq(ctxPrim(0, b(0)), ctxPrim(1, b(2))), true);
    expect(r.decoded.policyConstraints).toEqual({ requireExplicitPolicy: 0, inhibitPolicyMapping: 2 });
    expect(r.problems).toEqual([]);
    expect(dec(OIDS.pc, seq(ctxPrim(1, b(1, 2, 3, 4))), true).decoded.policyConstraints).toStrictEqual({ inhibitPolicyMapping: 0x01020304 });
    expect(dec(OIDS.pc, seq(ctxPrim(0, b(0x7f, 0xff, 0xff, 0xff))), true).decoded.policyConstraints).toStrictEqual({ requireExplicitPolicy: 0x7fffffff });
    expect(dec(OIDS.pc, seq(ctxPrim(0, b(3)))).problems).toEqual(['policyConstraints is not critical (RFC 5280 §4.2.1.11: MUST be critical)']);
  });

  it('refuses malformed ones', () => {
    refused(OIDS.pc, seq(), 'malformed policyConstraints', true);
    refused(OIDS.pc, nul(), 'malformed policyConstraints', true);
    refused(OIDS.pc, seq(ctxPrim(1, b(0)), ctxPrim(0, b(0))), 'malformed policyConstraints', true);
    refused(OIDS.pc, seq(ctxPrim(2, b(0))), 'malformed policyConstraints', true);
    refused(OIDS.pc, seq(ctxPrim(0, new Uint8Array(0))), 'malformed policyConstraints SkipCerts', true);
    refused(OIDS.pc, seq(ctxPrim(0, b(0x80))), 'malformed policyConstraints SkipCerts', true);
    refused(OIDS.pc, seq(ctxPrim(1, b(1, 2, 3, 4, 5))), 'malformed policyConstraints SkipCerts', true);
    refused(OIDS.pc, seq(ctx(0, int(1))), 'malformed policyConstraints SkipCerts', true);
  });
});

describe('policyMappings and inhibitAnyPolicy', () => {
  it('decodes the mapped pairs', () => {
    expect(dec(OIDS.pm, seq(seq(oid('1.2.3'), oid('1.2.4')), seq(oid('1.2.5'), oid('1.2.6')))).decoded.policyMappings).toEqual([['1.2.3', '1.2.4'], ['1.2.5', '1.2.6']]);
    refused(OIDS.pm, seq(), 'malformed policyMappings');
    refused(OIDS.pm, nul(), 'malformed policyMappings');
    refused(OIDS.pm, seq(nul()), 'malformed policyMappings');
    refused(OIDS.pm, seq(seq(oid('1.2.3'))), 'malformed policyMappings');
    refused(OIDS.pm, seq(seq(oid('1.2.3'), oid('1.2.4'), oid('1.2.5'))), 'malformed policyMappings');
    refused(OIDS.pm, seq(seq(oid('1.2.3'), utf8('1.2.4'))), 'malformed policyMappings');
    refused(OIDS.pm, seq(seq(utf8('1.2.3'), oid('1.2.4'))), 'malformed policyMappings');
  });

  it('decodes inhibitAnyPolicy and notes a non-critical one', () => {
    const r = dec(OIDS.iap, int(0), true);
    expect(r.decoded.inhibitAnyPolicy).toBe(0);
    expect(r.problems).toEqual([]);
    expect(dec(OIDS.iap, int(5)).problems).toEqual(['inhibitAnyPolicy is not critical (RFC 5280 §4.2.1.14: MUST be critical)']);
    refused(OIDS.iap, int(-1), 'malformed inhibitAnyPolicy', true);
    refused(OIDS.iap, nul(), 'malformed inhibitAnyPolicy', true);
  });
});

describe('decodeExtensions', () => {
  it('lists the critical extensions it does not handle, and only those', () => {
    const r = decodeExtensions([
      ext('1.2.3.4', nul(), true), ext('1.2.3.5', nul(), false), ext(OIDS.bc, seq(), true), ext(OIDS.ian, seq(dns('a')), true), ext('1.2.3.6', nul(), true),
    ]);
    expect(r.unhandledCritical).toEqual(['1.2.3.4', '1.2.3.6']);
    expect(r.decoded).toEqual({ basicConstraints: { ca: false, pathLen: undefined, critical: true } });
    expect(decodeExtensions([]).decoded).toEqual({});
  });

  it('integerContents copies an INTEGER, and nothing else', () => {
    const der = int(0x0102);
    const got = integerContents(decodeDer(der));
    expect(got).toEqual(b(1, 2));
    der[2] = 9;
    expect(got).toEqual(b(1, 2));
    expect(integerContents(decodeDer(octets(b(1))))).toBeUndefined();
  });
});
