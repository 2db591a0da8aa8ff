/**
 * Speaking to a service through a host's SSH connection: an HTTP GET to an API that listens on the
 * host's loopback, a TLS handshake with an endpoint the host can reach. No client program is
 * needed on the host, and nothing is exposed beyond what the SSH login can already reach.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { StepFailure } from '../errors';
import type { RemoteHost } from './remote-host';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** GET `path` from `address:port` as seen from `host`; fails with the host and URL named. */
export function httpGetThrough(
  host: RemoteHost,
  address: string,
  port: number,
  path: string,
  timeoutMs = 10_000,
): Promise<HttpAnswer> {
  return httpRequestThrough(host, { address, port, path, method: 'GET', timeoutMs });
}

export interface HttpRequestThrough {
  readonly address: string;
  readonly port: number;
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as is; it may hold a secret, which never appears in an error. */
  readonly body?: string;
  /**
   * HTTPS. The certificate is not judged: the SSH connection, whose host key is pinned, already
   * carries the bytes to the host, and the service is spoken to from the host itself.
   */
  readonly tls?: boolean;
  readonly timeoutMs?: number;
}

/** One HTTP(S) request to `address:port` as seen from `host`; fails with the host and URL named. */
export async function httpRequestThrough(host: RemoteHost, request: HttpRequestThrough): Promise<HttpAnswer> {
  const { address, port, path, method, timeoutMs = 10_000 } = request;
  const tunnel: Duplex = await host.openTunnel(address, port);
  const stream: Duplex = request.tls ? tls.connect({ socket: tunnel, rejectUnauthorized: false }) : tunnel;
  const url = `${request.tls ? 'https' : 'http'}://${address}:${port}${path}`;
  return new Promise<HttpAnswer>((resolve, reject) => {
    // A timer of our own: a tunnel stream has no setTimeout for http's socket timeout.
    const timer = setTimeout(
      () => outgoing.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    const outgoing = http.request(
      // No agent: Node then opens the connection with createConnection, over the tunnel.
      {
        host: address,
        port,
        path,
        method,
        headers: {
          ...(request.headers ?? {}),
          ...(request.body !== undefined ? { 'Content-Length': Buffer.byteLength(request.body) } : {}),
        },
        createConnection: () => stream as never,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(new StepFailure(`${host.label}: ${method} ${url} failed: ${(error as Error).message}`));
    });
    outgoing.end(request.body);
  });
}

export interface PeerCertificate {
  readonly subject: string;
  /** DNS names and IP addresses of the Subject Alternative Names. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly validTo: Date;
  /** With a CA bundle: whether the chain validates against it, and why not. */
  readonly chain?: { readonly trusted: true } | { readonly trusted: false; readonly error: string };
}

/** `DNS:a.example, IP Address:10.0.0.5` as Node reports subjectaltname. */
export function parseSubjectAltNames(text: string | undefined): { dns: string[]; ip: string[] } {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const part of (text ?? '').split(/,\s*/)) {
    const at = part.indexOf(':');
    if (at < 0) continue;
    const kind = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (kind === 'DNS') dns.push(value.toLowerCase());
    else if (kind === 'IP Address') ip.push(value);
  }
  return { dns, ip };
}

/** Does the certificate name `name` (a DNS name, wildcards one label deep, or an IP address)? */
export function certificateNames(cert: PeerCertificate, name: string): boolean {
  const wanted = name.toLowerCase().replace(/\.$/, '');
  if (cert.ipAddresses.includes(name)) return true;
  return cert.dnsNames.some((dns) => {
    if (dns === wanted) return true;
    if (!dns.startsWith('*.')) return false;
    const rest = wanted.slice(wanted.indexOf('.') + 1);
    return wanted.includes('.') && rest === dns.slice(2);
  });
}

/**
 * The certificate `address:port` presents, reached from `host`, with `servername` as SNI. Trust is
 * not judged here (the caller compares names); the handshake itself must complete.
 */
export async function peerCertificateThrough(
  host: RemoteHost,
  address: string,
  port: number,
  servername: string,
  timeoutMs = 10_000,
  /** CA certificates (PEM) the chain must validate against; without them the chain is not judged. */
  ca?: string,
): Promise<PeerCertificate> {
  const stream: Duplex = await host.openTunnel(address, port);
  return new Promise<PeerCertificate>((resolve, reject) => {
    const isName = !/^[\d.]+$/.test(servername) && !servername.includes(':');
    const socket = tls.connect({
      socket: stream,
      // Names are compared by the caller; the chain, with a CA bundle, through `authorized` below.
      rejectUnauthorized: false,
      ...(isName ? { servername } : {}),
      ...(ca !== undefined ? { ca } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new StepFailure(
          `${address}:${port} (reached from ${host.label}) did not complete a TLS handshake within ${timeoutMs / 1000} s`,
        ),
      );
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      socket.end();
      const names = parseSubjectAltNames(cert.subjectaltname);
      resolve({
        subject: cert.subject
          ? Object.entries(cert.subject)
              .map(([k, v]) => `${k}=${String(v)}`)
              .join(', ')
          : '',
        dnsNames: names.dns,
        ipAddresses: names.ip,
        validTo: new Date(cert.valid_to),
        ...(ca !== undefined
          ? {
              chain: socket.authorized
                ? { trusted: true as const }
                : { trusted: false as const, error: String(socket.authorizationError ?? 'not trusted') },
            }
          : {}),
      });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new StepFailure(
          `${address}:${port} (reached from ${host.label}) failed the TLS handshake: ${error.message}`,
        ),
      );
    });
  });
}
