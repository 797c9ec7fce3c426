// The rider page's service worker, served from /rider/sw.js with VERSION, PAGE and ASSETS defined above it.
//
// - The rider page: from the network whenever there is one (each good copy is kept), else the last copy kept.
// - The files it needs (styles, htmx, the offline queue, icons): kept when the worker installs, served from here.
// - Everything else, and every POST, goes to the network untouched: updates made offline wait in the page's
//   queue (rider-offline.js), not here.

const CACHE = `milkshop-rider-${VERSION}`;
const PAGE_URL = new URL(PAGE, self.location).href;
const ASSET_PATHS = new Set(ASSETS.map((asset) => new URL(asset, self.location).pathname));

async function keepPage(cache, key, response) {
  if (response.ok && response.type === "basic" && !response.redirected) {
    await cache.put(key, response.clone());
  }
  return response;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS);
      try {
        await keepPage(cache, PAGE_URL, await fetch(PAGE_URL, { credentials: "same-origin" }));
      } catch {
        // No signal while installing: the page is kept the next time it loads.
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((name) => name.startsWith("milkshop-rider-") && name !== CACHE).map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

async function pageFromNetworkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    return await keepPage(cache, request.url, await fetch(request));
  } catch (error) {
    const kept =
      (await cache.match(request.url, { ignoreVary: true })) || (await cache.match(PAGE_URL, { ignoreVary: true }));
    if (kept) return kept;
    throw error;
  }
}

async function assetFromCacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, { ignoreVary: true, ignoreSearch: true });
  return kept || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.href.split("?")[0] === PAGE_URL) {
    event.respondWith(pageFromNetworkFirst(request));
  } else if (ASSET_PATHS.has(url.pathname)) {
    event.respondWith(assetFromCacheFirst(request));
  }
});
