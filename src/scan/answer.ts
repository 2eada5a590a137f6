/** How a server answered, in the words a report uses. */
import type { Exchange } from './exchange.js';
import { ianaSuite } from './iana-suites.js';
import { alertName, versionName } from './names.js';
import type { ServerAlert } from './wire.js';

export function describeAlert(a: ServerAlert): string {
  return `${a.level === 2 ? 'fatal' : a.level === 1 ? 'warning' : `level ${a.level}`} alert ${alertName(a.description)}${a.encrypted ? ' (encrypted)' : ''}`;
}

export function describeAnswer(ex: Exchange): string {
  switch (ex.outcome) {
    case 'serverHello': {
      const sh = ex.serverHello!;
      return `ServerHello (${versionName(sh.serverVersion)}, ${ianaSuite(sh.cipherSuite).name})`;
    }
    case 'alert':
      return describeAlert(ex.reader.alert!);
    case 'helloVerifyRequestOnly':
      return 'HelloVerifyRequest, then no answer to the ClientHello with the cookie';
    case 'malformed':
      return `malformed answer: ${ex.malformed}`;
    default:
      return 'no answer';
  }
}
