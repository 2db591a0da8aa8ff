/**
 * A TLS endpoint on a lab host with a certificate whose Subject Alternative Names the test chooses:
 * what an HTTPS check of the library meets on a real server. The certificate is self-signed
 * (the library checks names, not trust chains, where the vendor asks for names).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hostPath, listeningSockets, startInHost } from './lab';

export interface TlsEndpointOptions {
  /** 1 to 65535. */
  port: number;
  /** DNS names and IPv4 addresses, in the order the certificate lists them. */
  subjectAltNames: readonly string[];
  /** @default the first name */
  commonName?: string;
  /** Listen on this address only. @default every address of the host (its virtual IPs too) */
  address?: string;
}

export interface TlsEndpoint {
  readonly certificatePem: string;
  stop(): void;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const DNS_NAME = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** The -addext value: `DNS:a,IP:198.18.0.50`. */
export function subjectAltNameExtension(names: readonly string[]): string {
  if (names.length === 0) throw new Error('A certificate needs at least one subject alternative name');
  return `subjectAltName=${names
    .map((n) => {
      if (IPV4.test(n)) return `IP:${n}`;
      if (DNS_NAME.test(n)) return `DNS:${n}`;
      throw new Error(`Not a DNS name or IPv4 address: ${JSON.stringify(n)}`);
    })
    .join(',')}`;
}

/** Serves TLS on the host until stop() or the host's reset; returns once the port listens. */
export async function serveTls(hostName: string, options: TlsEndpointOptions): Promise<TlsEndpoint> {
  const { port } = options;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Not a port: ${port}`);
  const commonName = options.commonName ?? options.subjectAltNames[0];
  if (!DNS_NAME.test(commonName) && !IPV4.test(commonName))
    throw new Error(`Not a common name: ${commonName}`);

  const { cert: certificatePem, key } = selfSignedCertificate(commonName, options.subjectAltNames);
  const dir = `/etc/lab-tls/${port}`;
  fs.mkdirSync(hostPath(hostName, dir), { recursive: true });
  fs.writeFileSync(hostPath(hostName, `${dir}/key.pem`), key, { mode: 0o600 });
  fs.writeFileSync(hostPath(hostName, `${dir}/cert.pem`), certificatePem);

  const accept = options.address ? `${options.address}:${port}` : String(port);
  const server = startInHost(hostName, [
    '/usr/bin/openssl',
    's_server',
    '-quiet',
    '-www',
    '-accept',
    accept,
    '-cert',
    `${dir}/cert.pem`,
    '-key',
    `${dir}/key.pem`,
  ]);
  for (let i = 0; i < 200; i++) {
    if (listeningSockets(hostName).some((s) => s.protocol === 'tcp' && s.port === port)) {
      return { certificatePem, stop: server.stop };
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  server.stop();
  throw new Error(`The TLS server on ${hostName}:${port} did not start listening`);
}

/** A self-signed certificate (EC P-256, two days) and its key, PEM, naming `subjectAltNames`. */
export function selfSignedCertificate(
  commonName: string,
  subjectAltNames: readonly string[],
): { cert: string; key: string } {
  const extension = subjectAltNameExtension(subjectAltNames);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-tls-'));
  try {
    const [keyFile, certFile] = [path.join(work, 'key.pem'), path.join(work, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        extension,
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
    return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
