// Minimal SOAP 1.2 / WS-Addressing 1.0 text envelopes for the interop tests
// (until @prch/soap exists). Contract: tools/interop/nmf/Program.cs.
const S = "http://www.w3.org/2003/05/soap-envelope";
const A = "http://www.w3.org/2005/08/addressing";
export const NS = "http://prch.test/nmf";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function envelope(headers: string, body: string): string {
  return `<s:Envelope xmlns:s="${S}" xmlns:a="${A}"><s:Header>${headers}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
}

export function echoRequest(to: string, text: string, messageId: string): string {
  return envelope(
    `<a:Action s:mustUnderstand="1">urn:prch:echo</a:Action><a:MessageID>${messageId}</a:MessageID>` +
      `<a:ReplyTo><a:Address>${A}/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">${esc(to)}</a:To>`,
    `<Echo xmlns="${NS}"><text>${esc(text)}</text></Echo>`,
  );
}

export function notifyRequest(to: string, text: string): string {
  return envelope(
    `<a:Action s:mustUnderstand="1">urn:prch:notify</a:Action><a:To s:mustUnderstand="1">${esc(to)}</a:To>`,
    `<Notify xmlns="${NS}"><text>${esc(text)}</text></Notify>`,
  );
}

export function echoResponse(relatesTo: string, result: string): string {
  return envelope(
    `<a:Action s:mustUnderstand="1">urn:prch:echoResponse</a:Action><a:RelatesTo>${relatesTo}</a:RelatesTo>`,
    `<EchoResponse xmlns="${NS}"><EchoResult>${esc(result)}</EchoResult></EchoResponse>`,
  );
}

/** Pulls the few fields the tests need out of an envelope's text. */
export function fields(xml: string): { action?: string; messageId?: string; text?: string } {
  const pick = (re: RegExp) => re.exec(xml)?.[1];
  const text = pick(/<(?:\w+:)?(?:text|EchoResult)[^>]*>([^<]*)</);
  return {
    action: pick(/<(?:\w+:)?Action[^>]*>([^<]*)</),
    messageId: pick(/<(?:\w+:)?MessageID[^>]*>([^<]*)</),
    text: text?.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"),
  };
}

export const utf8 = {
  encode: (s: string) => new TextEncoder().encode(s),
  decode: (b: Uint8Array) => new TextDecoder().decode(b),
};
