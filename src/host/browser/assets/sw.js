// @ts-check
/**
 * The web page's service worker: keeps the page and its runtime (app.js, onnxruntime-web's module and wasm) in the
 * browser's cache, so the page opens and runs with no network once it has been loaded; models are in the site's
 * storage (OPFS) already. Network first, so a rebuilt page is picked up as soon as its server answers; the cache
 * answers only when the network cannot. Model downloads (`models/files/…`) and partial requests pass straight through.
 */
/// <reference lib="webworker" />
'use strict';

const CACHE = 'facerestore-page-v1';
const SHELL = ['./', 'index.html', 'app.js', 'vendor/ort.wasm.min.mjs', 'vendor/ort-wasm-simd-threaded.mjs', 'vendor/ort-wasm-simd-threaded.wasm'];
const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

sw.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith('facerestore-page-') && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== sw.location.origin || request.headers.has('range') || url.pathname.includes('/models/files/')) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok && response.status === 200) await cache.put(request, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(request, { ignoreSearch: url.pathname.endsWith('/') || url.pathname.endsWith('index.html') });
      if (cached) return cached;
      throw error;
    }
  })());
});
