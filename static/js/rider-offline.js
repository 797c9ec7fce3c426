// The rider page with and without signal.
//
// Every form on the board (a card's tap, "picked up all") is sent from here, with a key made on this phone
// and the time of the tap. The server applies each key once, so sending an update again is always safe.
// With no signal (or when the request cannot reach the shop) the update waits in this phone's IndexedDB, files
// and all; the card shows where it will be once sent, and the banner says how many updates wait. When the
// signal comes back (or the page loads with some waiting) they are sent one by one, in the order they were
// made; then the banner sums up, listing any the shop refused and why, and the round is loaded afresh.
//
// Without this file the same forms still work: htmx sends them, or the browser does.

(() => {
  "use strict";

  const banner = document.getElementById("rider-sync");
  if (!banner) return;

  const LABELS = { PICKED_UP: "Picked up", IN_TRANSIT: "On the way", DELIVERED: "Delivered", FAILED: "Not delivered" };
  const ROAD = ["ASSIGNED", "PICKED_UP", "IN_TRANSIT", "DELIVERED"];
  const RETRY_AFTER = 30_000; // ms, when the phone says it is online but the shop cannot be reached

  function unwell(response) {
    return response.status >= 500; // the shop (or the proxy before it) is not answering properly: try later
  }

  // The waiting updates: one IndexedDB store, in the order they were made.

  const queue = (() => {
    let opened;
    function db() {
      opened ||= new Promise((resolve, reject) => {
        const request = indexedDB.open("milkshop-rider", 1);
        request.onupgradeneeded = () => request.result.createObjectStore("updates", { keyPath: "id", autoIncrement: true });
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      return opened;
    }
    async function run(mode, work) {
      const store = (await db()).transaction("updates", mode).objectStore("updates");
      return new Promise((resolve, reject) => {
        const request = work(store);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return {
      add: (update) => run("readwrite", (store) => store.add(update)),
      all: () => run("readonly", (store) => store.getAll()),
      count: () => run("readonly", (store) => store.count()),
      remove: (id) => run("readwrite", (store) => store.delete(id)),
    };
  })();

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
  }

  // An update: the form's fields (files included), its key and time, and what the rider will want to read
  // about it later ("Order M123", "On the way").

  function updateFrom(form, submitter) {
    const data = new FormData(form, submitter);
    data.set("idempotency_key", newKey());
    data.set("made_at", new Date().toISOString());
    const card = form.closest("article.delivery-card");
    const to = data.get("to");
    return {
      url: form.action,
      fields: Array.from(data.entries()),
      target: form.getAttribute("hx-target") || (card ? `#${card.id}` : "#rider-board"),
      card: card ? card.id : "",
      run: card ? "" : form.closest(".rider-run")?.querySelector("h2")?.id || "",
      label: card ? `Order ${card.dataset.order}` : (submitter || form).textContent.trim(),
      to: to || "PICKED_UP",
      left: data.get("left_at_door") === "on",
    };
  }

  function send(update) {
    const body = new FormData();
    for (const [name, value] of update.fields) body.append(name, value);
    const token = csrfToken();
    if (token) body.set("csrfmiddlewaretoken", token); // the page kept offline may carry an older one
    return fetch(update.url, { method: "POST", body, headers: { "HX-Request": "true" }, credentials: "same-origin" });
  }

  function signedOut(response) {
    return response.redirected || (response.status === 403 && response.headers.get("Content-Type")?.startsWith("text/html"));
  }

  // Swapping in the shop's answer, as htmx would: the target's outer HTML, and any out-of-band region by id.

  function swapIn(selector, html) {
    const answer = document.createElement("template");
    answer.innerHTML = html;
    for (const region of answer.content.querySelectorAll("[hx-swap-oob]")) {
      region.removeAttribute("hx-swap-oob");
      const old = document.getElementById(region.id);
      if (old) old.replaceWith(region);
      else region.remove();
    }
    document.querySelector(selector)?.replaceWith(answer.content);
    if (window.htmx) window.htmx.process(document.getElementById("rider-board") || document.body);
  }

  // The card as it will be once the update is sent.

  function showWaiting(update) {
    if (update.card) {
      const card = document.getElementById(update.card);
      if (card) markWaiting(advance(card, update.to, update.left), update.to, update.left);
      return;
    }
    const run = document.getElementById(update.run)?.closest(".rider-run");
    if (!run) return;
    run.querySelector("form.pickup-all")?.remove();
    for (const card of run.querySelectorAll("article.delivery-card")) {
      if (card.dataset.status === "ASSIGNED") markWaiting(advance(card, "PICKED_UP", false), "PICKED_UP", false);
    }
  }

  function advance(card, to, left) {
    const status = card.dataset.status;
    if (ROAD.includes(to) && ROAD.indexOf(status) >= ROAD.indexOf(to)) return card; // there already
    const next = card.querySelector(":scope > template.card-next");
    if (next && next.dataset.status === to) {
      const moved = next.content.querySelector("article").cloneNode(true);
      card.replaceWith(moved);
      return moved;
    }
    // The end of this delivery (or a step the page has no copy of): say so, and offer no more taps.
    for (const part of card.querySelectorAll("form, details, template")) part.remove();
    card.classList.remove(`delivery-${status.toLowerCase()}`);
    card.classList.add(`delivery-${to.toLowerCase()}`);
    card.dataset.status = to;
    const badge = card.querySelector(".delivery-badge");
    if (badge) badge.textContent = left ? "Left at the door" : LABELS[to] || to;
    return card;
  }

  function markWaiting(card, to, left) {
    card.classList.add("is-waiting");
    let note = card.querySelector(".card-waiting");
    if (!note) {
      note = document.createElement("p");
      note.className = "card-waiting";
      card.querySelector("header")?.after(note);
    }
    note.textContent = `${left ? "Left at the door" : LABELS[to] || to}: waiting to sync.`;
  }

  // The banner.

  function say(text, refusals = []) {
    banner.replaceChildren();
    if (!text) return;
    const line = document.createElement("p");
    line.textContent = text;
    banner.append(line);
    if (refusals.length) {
      const list = document.createElement("ul");
      for (const refusal of refusals) {
        const item = document.createElement("li");
        item.textContent = refusal;
        list.append(item);
      }
      banner.append(list);
    }
    banner.classList.toggle("rider-sync-refused", refusals.length > 0);
  }

  function updates(count) {
    return `${count} update${count === 1 ? "" : "s"}`;
  }

  async function waitingCount() {
    try {
      return await queue.count();
    } catch {
      return 0; // no IndexedDB here (a private window, an old browser): nothing can be waiting
    }
  }

  async function showState(summary = "", refusals = []) {
    const waiting = await waitingCount();
    const parts = summary ? [summary] : [];
    if (!navigator.onLine) {
      parts.push(waiting ? `You are offline — ${updates(waiting)} waiting.` : "You are offline. Updates you make will wait on this phone.");
    } else if (waiting) {
      parts.push(`${updates(waiting)} waiting to be sent.`);
    }
    banner.classList.toggle("rider-sync-offline", !navigator.onLine);
    say(parts.join(" "), refusals);
  }

  // Sending.

  let syncing = false;

  async function queueUp(update) {
    try {
      await queue.add(update);
    } catch {
      say("This browser cannot keep updates without signal: make this one again when you have signal.");
      return;
    }
    showWaiting(update);
    await showState();
    if (navigator.onLine) sync();
  }

  async function submit(form, submitter) {
    const update = updateFrom(form, submitter);
    if (!navigator.onLine || syncing || (await waitingCount())) return queueUp(update); // keep the order
    const buttons = form.querySelectorAll("button");
    buttons.forEach((button) => (button.disabled = true));
    let response;
    try {
      response = await send(update);
    } catch {
      return queueUp(update); // lost on the way: its key makes sending it again safe
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
    if (unwell(response)) return queueUp(update);
    if (signedOut(response)) {
      await queue.add(update).catch(() => {}); // sent once the rider is back
      window.location.reload(); // to the log-in page, and back here after it
      return;
    }
    swapIn(update.target, await response.text());
  }

  async function refusalOf(update, response) {
    const answer = document.createElement("template");
    answer.innerHTML = await response.text();
    const alert = answer.content.querySelector("[role=alert]");
    const message = alert ? alert.textContent.trim() : `The shop could not take it (error ${response.status}).`;
    if (!update.card || message.includes(update.label.replace("Order ", ""))) return message;
    return `${update.label}: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
  }

  async function sync() {
    if (syncing || !navigator.onLine) return;
    syncing = true;
    let sent = 0;
    const refusals = [];
    let stopped = "";
    try {
      const waiting = await queue.all().catch(() => []);
      for (const [index, update] of waiting.entries()) {
        say(`Sending update ${index + 1} of ${waiting.length}…`);
        let response;
        try {
          response = await send(update);
        } catch {
          stopped = "offline";
          break;
        }
        if (unwell(response)) {
          stopped = "offline";
          break;
        }
        if (signedOut(response)) {
          stopped = "signed out";
          break;
        }
        if (response.ok) sent += 1;
        else refusals.push(await refusalOf(update, response));
        await queue.remove(update.id);
      }
    } finally {
      syncing = false;
    }
    if (sent || refusals.length) await reloadRound();
    const summary = [];
    if (sent) summary.push(`${updates(sent)} sent.`);
    if (refusals.length) summary.push(`${updates(refusals.length)} refused by the shop:`);
    if (stopped === "signed out") summary.unshift("Sign in again to send the updates still waiting.");
    await showState(summary.join(" "), refusals);
    if (stopped === "offline" && navigator.onLine) setTimeout(sync, RETRY_AFTER);
  }

  async function reloadRound() {
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok || response.redirected) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("rider-board");
      const board = document.getElementById("rider-board");
      if (fresh && board) {
        board.replaceWith(document.adoptNode(fresh));
        if (window.htmx) window.htmx.process(fresh);
      }
    } catch {
      return; // the signal went again: the cards keep showing what waits
    }
    for (const update of await queue.all().catch(() => [])) showWaiting(update);
  }

  // Every form on the board comes here first, before htmx or the browser would send it.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.closest("#rider-board") || form.method !== "post") return;
      event.preventDefault();
      event.stopPropagation();
      submit(form, event.submitter);
    },
    true,
  );

  window.addEventListener("online", () => sync());
  window.addEventListener("offline", () => showState());

  (async () => {
    for (const update of await queue.all().catch(() => [])) showWaiting(update);
    await showState();
    sync();
  })();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(banner.dataset.serviceWorker, { scope: banner.dataset.scope }).catch(() => {
      // No service worker (an old browser, a private window): the page still queues while it stays open.
    });
  }
})();
