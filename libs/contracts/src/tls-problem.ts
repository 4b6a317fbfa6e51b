/** OpenSSL's verdicts that mean "signed by a CA this machine does not trust". */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * What is wrong with a server's certificate, as a phrase that completes "the hub at X ...",
 * from a Node TLS error code; null for an error that is no certificate problem. The node and
 * gridctl both say it in one line and add where to set the CA.
 */
export function tlsProblem(code: string | undefined, host?: string): string | null {
  if (!code) return null;
  if (UNTRUSTED.has(code)) return `presented a certificate signed by a CA this machine does not trust (${code})`;
  if (code === 'CERT_HAS_EXPIRED') return `presented an expired certificate (${code})`;
  if (code === 'CERT_NOT_YET_VALID') return `presented a certificate that is not valid yet (${code})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `presented a certificate that does not name ${host ?? 'its address'} (${code})`;
  if (code === 'CERT_REVOKED') return `presented a revoked certificate (${code})`;
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') return `does not answer TLS on that port (${code}; is it serving plain http://?)`;
  return null;
}
