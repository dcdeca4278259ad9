/**
 * The model manager's HTTP transport over node:http/https: one GET, redirects returned as they are (the manager
 * follows them, checking each hop), the body as an async iterable that fails when the connection drops before the
 * response is complete (IncomingMessage alone may just end). Plain http is only for the loopback address.
 */
import * as http from 'http';
import * as https from 'https';
import { checkDownloadUrl } from '../../core/download';
import type { AbortSignalLike } from '../../core/errors';
import type { HttpResponse, HttpTransport } from '../../core/model-host';

/** An error that keeps a network `code` for the manager's messages (ECONNRESET for a dropped body). */
function networkError(message: string, code: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as NodeJS.ErrnoException;
  error.code = code;
  return error;
}

/**
 * The body of `response`, failing when the connection drops early. The listeners are attached at once (not when
 * iteration starts): a response that is never read may still report an error, which must not go unhandled.
 */
function bodyOf(response: http.IncomingMessage, url: string): AsyncIterable<Uint8Array> {
  let failure: Error | undefined;
  const early = (): Error => networkError(`${url}: the connection closed before the whole response arrived`, 'ECONNRESET');
  response.on('error', (error) => {
    failure ??= error;
  });
  response.on('aborted', () => {
    failure ??= early();
  });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const chunk of response) yield chunk as Buffer;
      } catch (error) {
        throw failure ?? error;
      }
      if (failure) throw failure;
      if (!response.complete) throw early();
    },
  };
}

function isRealSignal(signal: AbortSignalLike): signal is AbortSignal {
  return typeof AbortSignal !== 'undefined' && signal instanceof AbortSignal;
}

export function createHttpTransport(options: { readonly userAgent: string }): HttpTransport {
  return {
    get(url, { headers, signal }) {
      return new Promise<HttpResponse>((resolve, reject) => {
        try {
          checkDownloadUrl(url);
        } catch (error) {
          reject(error);
          return;
        }
        if (signal.aborted) {
          reject(networkError('The download was cancelled', 'ABORT_ERR', signal.reason));
          return;
        }
        const lib = url.startsWith('https:') ? https : http;
        const requestHeaders = { ...headers, 'user-agent': options.userAgent, 'accept-encoding': 'identity' };
        let response: http.IncomingMessage | undefined;
        const cancel = (): void => {
          request.destroy();
          response?.destroy();
        };
        // A structural signal (not a DOM AbortSignal) is honoured by listening to it.
        const onAbort = (): void => {
          request.destroy(networkError('The download was cancelled', 'ABORT_ERR', signal.reason));
          response?.destroy();
        };
        const real = isRealSignal(signal);
        const request = lib.get(url, { headers: requestHeaders, ...(real ? { signal } : {}) }, (res) => {
          response = res;
          resolve({
            status: res.statusCode ?? 0,
            url,
            header(name) {
              const value = res.headers[name.toLowerCase()];
              return Array.isArray(value) ? value.join(', ') : value;
            },
            body: bodyOf(res, url),
            cancel,
          });
        });
        if (!real) signal.addEventListener?.('abort', onAbort, { once: true });
        request.on('close', () => signal.removeEventListener?.('abort', onAbort));
        // Before the response: the request fails (ECONNREFUSED, ENOTFOUND…). After it, the body reports errors.
        request.on('error', (error) => {
          if (!response) reject(error);
          else response.destroy(error);
        });
      });
    },
  };
}
