import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HttpServerSettings } from '../config/app-config';
import { PROBLEM_CONTENT_TYPE, problem } from './problem';

/** Longest request target (path + query) we route; longer is 414 (below Node's 16 KiB head limit, 431). */
export const MAX_URL_LENGTH = 8 * 1024;

/**
 * Timeouts that close slow clients: a head or a body that trickles in (slow-loris) is cut after
 * `headersTimeoutMs` / `requestTimeoutMs`, an idle keep-alive socket after `keepAliveTimeoutMs`.
 * Node enforces the first two from a periodic sweep (30 s by default), which would let a timeout of a
 * few seconds last half a minute: the sweep runs at a fraction of the shortest timeout instead.
 * Must run before listen (the sweep starts on 'listening').
 */
export function applyHttpServerLimits(server: Server, settings: HttpServerSettings): void {
  server.headersTimeout = settings.headersTimeoutMs;
  server.requestTimeout = settings.requestTimeoutMs;
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(
    50,
    Math.min(1000, Math.floor(Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs) / 4)),
  );
  server.on('clientError', answerClientError);
}

/**
 * Errors Node raises before any handler runs (unparsable request, head too large, request timeout)
 * would get Node's bare text answer; every error of our APIs is problem+json, these included.
 */
function answerClientError(error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { _headerSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?._headerSent) {
    socket.destroy();
    return;
  }
  const answer = clientErrorProblem(error);
  const body = JSON.stringify(answer);
  socket.end(
    `HTTP/1.1 ${answer.status} ${REASONS[answer.status]}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
};

function clientErrorProblem(error: NodeJS.ErrnoException & { rawPacket?: Buffer }) {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      // The head includes the request line: when that line alone is over the URL limit, the client
      // is told what to shorten.
      if (startsWithLongRequestLine(error.rawPacket)) {
        return problem(414, 'URI Too Long', `the request target is longer than ${MAX_URL_LENGTH} characters`);
      }
      return problem(431, 'Request Header Fields Too Large', 'the request line and headers together are larger than 16 KiB');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return problem(408, 'Request Timeout', 'the request was not received in time');
    default:
      return problem(400, 'Bad Request', 'the request is not valid HTTP/1.1');
  }
}

function startsWithLongRequestLine(packet: Buffer | undefined): boolean {
  if (!packet) return false;
  const head = packet.subarray(0, MAX_URL_LENGTH + 32).toString('latin1');
  const match = /^[A-Z]+ (\S*)/.exec(head);
  return match !== null && match[1].length > MAX_URL_LENGTH;
}
