// @ts-check
/**
 * A StrykerJS ignorer (stryker.config.mjs `ignorers: ['error-messages']`):
 * no mutants in the human-readable message of an error we throw or build.
 * Tests assert an error's `code` and the alert sent, which stay mutated;
 * the message text is for people reading logs, and a mutant that empties it
 * changes no decision. Only the message argument is skipped, and only when
 * it is a literal (a string, a template, or a `+` of them): codes, alerts
 * and any computed argument are mutated as usual. Likewise the field name
 * given to a Reader method (`r.u16('record epoch')`), which only ever
 * appears in a DecodeError's message.
 */
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

/** Error constructors and factories of the code base, and the position(s) of their message argument(s). */
const MESSAGE_ARGUMENT = new Map([
  // new DtlsError(code, message, alert?), HandshakeError(code, message, alert), CertificateError(code, message, alert?)
  ['DtlsError', 1], ['HandshakeError', 1], ['CertificateError', 1],
  // err(code, message, alert) in src/x509/verify.ts
  ['err', 1],
  // new DecodeError(message), KeyError(message), the built-ins, cryptoError(message),
  // fail(what) and badCertificate(message) in src/x509/certificate.ts
  ['DecodeError', 0], ['KeyError', 0], ['Error', 0], ['TypeError', 0], ['RangeError', 0],
  ['cryptoError', 0], ['fail', 0], ['badCertificate', 0], ['Malformed', 0],
  // badKeyShare(group, reason, cause?) in src/crypto/key-share.ts: the group and the reason only
  // make the message (the code and alert are fixed)
  ['badKeyShare', [0, 1]],
]);

/**
 * Methods of src/codec/reader.ts and the position of their `what` argument:
 * the field name a DecodeError message names (`r.u16('record epoch')`).
 */
const READER_LABEL = new Map([
  ['u8', 0], ['u16', 0], ['u24', 0], ['u48', 0], ['end', 0], ['bytes', 1], ['sub', 1], ['vec', 3],
  ['vec8', 2], ['vec16', 2], ['vec24', 2],
]);

/** @param {import('@babel/core').types.Node} n */
function isLiteralText(n) {
  if (n.type === 'StringLiteral' || n.type === 'TemplateLiteral') return true;
  return n.type === 'BinaryExpression' && n.operator === '+' && isLiteralText(n.left) && (n.right.type === 'StringLiteral' || n.right.type === 'TemplateLiteral' || isLiteralText(n.right));
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'error-messages', {
    /** @param {import('@babel/core').NodePath} path */
    shouldIgnore(path) {
      if (path.listKey !== 'arguments' || typeof path.key !== 'number') return undefined;
      const call = path.parent;
      if (call.type !== 'NewExpression' && call.type !== 'CallExpression') return undefined;
      const callee = call.callee;
      if (call.type === 'CallExpression' && callee.type === 'MemberExpression' && callee.property.type === 'Identifier'
        && READER_LABEL.get(callee.property.name) === path.key && path.node.type === 'StringLiteral') {
        return `the field name a Reader's DecodeError message gives (.${callee.property.name}()): for people, not decisions`;
      }
      const name = callee.type === 'Identifier' ? callee.name : undefined;
      const at = name === undefined ? undefined : MESSAGE_ARGUMENT.get(name);
      if (at === undefined || !(Array.isArray(at) ? at.includes(path.key) : at === path.key)) return undefined;
      return isLiteralText(path.node) ? `the message of ${name}(): for people, not decisions (tests check the code and the alert)` : undefined;
    },
  }),
];
