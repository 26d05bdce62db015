/**
 * TLS towards Milvus: the settings (`tls:` in milvus.config.yaml, `MILVUS_TLS_*`), what the SDK is
 * given for them, and what a failed TLS handshake or name lookup means for the user.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ClientConfig } from '@zilliz/milvus2-sdk-node';
import { InvalidInputError, errorMessage } from '../errors.js';

/** TLS beyond `ssl: true`. Paths are absolute by the time they reach here. */
export interface TlsSettings {
  /** PEM file of the CA that signed the server's certificate; default: the system's CAs. */
  readonly caFile?: string | undefined;
  /** PEM client certificate, for a server that requires one (Milvus `tlsMode: 2`, mutual TLS). */
  readonly certFile?: string | undefined;
  /** PEM private key of `certFile`. A secret: its contents are never logged, only its path. */
  readonly keyFile?: string | undefined;
  /** The name the server's certificate is checked against, when it differs from the address' host. */
  readonly serverName?: string | undefined;
  /** Accept any server certificate (local tests only). */
  readonly skipVerify?: boolean | undefined;
}

/** The config key and variable of each file setting, for messages. */
const FILE_KEYS = {
  caFile: 'tls.caFile (MILVUS_TLS_CA_FILE)',
  certFile: 'tls.certFile (MILVUS_TLS_CERT_FILE)',
  keyFile: 'tls.keyFile (MILVUS_TLS_KEY_FILE)',
} as const;

/**
 * The SDK's `tls` option for `settings`, with the files read here (once per command, not once
 * per connection attempt) so that a missing file is an error naming the setting, not the SDK's
 * bare ENOENT. Invalid input (exit 2) when a file cannot be read.
 */
export async function sdkTlsOptions(settings: TlsSettings): Promise<NonNullable<ClientConfig['tls']>> {
  const read = async (key: keyof typeof FILE_KEYS): Promise<Buffer | undefined> => {
    const file = settings[key];
    if (file === undefined) return undefined;
    try {
      return await readFile(file);
    } catch (err) {
      throw new InvalidInputError(`Cannot read ${FILE_KEYS[key]} ${file}: ${errorMessage(err)}`);
    }
  };
  const [rootCert, certChain, privateKey] = [await read('caFile'), await read('certFile'), await read('keyFile')];
  // Node takes a CA file that holds no certificate without a word, and the handshake then fails
  // as "untrusted": say what is wrong with the file instead. The messages never quote the bytes.
  const check = (key: keyof typeof FILE_KEYS, bytes: Buffer | undefined, parse: (b: Buffer) => unknown, what: string) => {
    if (!bytes) return;
    try {
      parse(bytes);
    } catch (err) {
      throw new InvalidInputError(`${FILE_KEYS[key]} ${settings[key]} is not ${what}: ${errorMessage(err)}`);
    }
  };
  check('caFile', rootCert, (b) => new X509Certificate(b), 'a PEM certificate');
  check('certFile', certChain, (b) => new X509Certificate(b), 'a PEM certificate');
  check('keyFile', privateKey, (b) => createPrivateKey(b), 'an unencrypted PEM private key');
  const options: NonNullable<ClientConfig['tls']> = {};
  if (settings.serverName !== undefined) options.serverName = settings.serverName;
  if (rootCert) options.rootCert = rootCert;
  if (privateKey && certChain) {
    // A key switches the SDK (2.6.17) to mutual TLS, the only mode that passes `verifyOptions` on.
    options.privateKey = privateKey;
    options.certChain = certChain;
    if (settings.skipVerify) options.verifyOptions = { rejectUnauthorized: false, checkServerIdentity: () => undefined };
  } else if (settings.skipVerify) {
    // The SDK's own "no verification" mode; it would drop a client certificate, hence the branch above.
    options.skipCertCheck = true;
  }
  return options;
}

/**
 * Raised by the TLS layer when the key does not belong to the certificate, at client creation:
 * the message of Node's `createSecureContext` names neither file.
 */
export function tlsSetupError(settings: TlsSettings, err: unknown): InvalidInputError {
  return new InvalidInputError(
    `Cannot use the client certificate ${settings.certFile ?? ''} with key ${settings.keyFile ?? ''}: ${errorMessage(err)}`,
    [],
    {
      cause: err,
      hint: 'tls.certFile and tls.keyFile must be a PEM certificate and the private key it was issued for.',
    },
  );
}

/** Why a connection failed before any call reached Milvus, when retrying cannot help. */
export type HandshakeFailure =
  /** The server's certificate is not signed by a trusted CA (self-signed, private CA not given, expired). */
  | 'untrusted-certificate'
  /** The certificate is for other names than the one connected to. */
  | 'host-name-mismatch'
  /** The server asks for a client certificate and got none, or refused the one it got. */
  | 'client-certificate'
  /** TLS was spoken to a port that does not speak it. */
  | 'not-tls'
  /** The host name does not resolve. */
  | 'name-resolution';

/*
 * What grpc-js 1.14 (Node 20-24, OpenSSL 3) puts in the details of UNAVAILABLE for each case, as
 * seen against a TLS listener in front of Embedded Milvus 2.3.5:
 *   self-signed / other CA    "... Last error: Error: unable to verify the first certificate"
 *                             (or "self-signed certificate", "unable to get local issuer certificate")
 *   wrong name                "... Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: ..."
 *   no client certificate     "... SSL routines:ssl3_read_bytes:tlsv13 alert certificate required ..."
 *   TLS to a plain port       "... SSL routines:ssl3_get_record:wrong version number ..."
 *   unknown host              "Name resolution failed for target dns:host:port"
 * A plain connection to a TLS port only says "Failed to connect": indistinguishable from a server
 * that is down, so it stays transient (the generic hint mentions TLS).
 */
const PATTERNS: readonly [RegExp, HandshakeFailure][] = [
  [/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/i, 'host-name-mismatch'],
  [
    /alert (certificate required|bad certificate|unknown ca|certificate unknown|handshake failure)|peer did not return a certificate/i,
    'client-certificate',
  ],
  [
    /unable to verify the first certificate|self[- ]signed certificate|unable to get (local )?issuer certificate|certificate has expired|certificate is not yet valid|CERT_\w+/i,
    'untrusted-certificate',
  ],
  [/wrong version number|packet length too long/i, 'not-tls'],
  [/Name resolution failed|ENOTFOUND|EAI_AGAIN/i, 'name-resolution'],
];

/** Classifies the details of a gRPC UNAVAILABLE; `undefined` when it may be transient. */
export function handshakeFailureOf(details: string): HandshakeFailure | undefined {
  return PATTERNS.find(([re]) => re.test(details))?.[1];
}

/** What to tell the user for each {@link HandshakeFailure}. */
export function handshakeHint(failure: HandshakeFailure, address: string): string {
  switch (failure) {
    case 'untrusted-certificate':
      return (
        `The server's certificate is not trusted. For a private CA or a self-signed certificate, set tls.caFile ` +
        `(MILVUS_TLS_CA_FILE) to the CA's PEM file; for local tests only, tls.skipVerify: true.`
      );
    case 'host-name-mismatch':
      return (
        `The server's certificate is not issued for the host in ${address}. Connect by a name the certificate lists, ` +
        `or set tls.serverName (MILVUS_TLS_SERVER_NAME) to one of them.`
      );
    case 'client-certificate':
      return (
        `The server requires a client certificate (mutual TLS, Milvus tlsMode 2) and refused the connection: set ` +
        `tls.certFile and tls.keyFile (MILVUS_TLS_CERT_FILE, MILVUS_TLS_KEY_FILE) to a certificate signed by a CA the server trusts.`
      );
    case 'not-tls':
      return `The server at ${address} does not speak TLS: remove ssl/tls (or https://) from the settings, or check the port.`;
    case 'name-resolution':
      return `The host name in ${address} does not resolve: check it for typos (--address, MILVUS_ADDRESS/MILVUS_URI, or address in milvus.config.yaml) and the DNS.`;
  }
}

/** Short words for the message, e.g. "TLS handshake failed (untrusted certificate)". */
export function handshakeSummary(failure: HandshakeFailure): string {
  return SUMMARIES[failure];
}

const SUMMARIES: Readonly<Record<HandshakeFailure, string>> = {
  'untrusted-certificate': 'TLS handshake failed (untrusted certificate)',
  'host-name-mismatch': 'TLS handshake failed (host name mismatch)',
  'client-certificate': 'TLS handshake failed (client certificate required or refused)',
  'not-tls': 'TLS handshake failed (the server does not speak TLS)',
  'name-resolution': 'host name not found',
};
