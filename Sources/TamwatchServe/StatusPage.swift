import Crypto
import Foundation

/// The status page: one self-contained HTML document (inline CSS and script, no CDN, no build
/// step) that renders from the API and follows the event stream, never reloading. Every value
/// is set as text, never as markup. `?live=0` renders once from the API without the stream.
enum StatusPage {
    /// The page, with the CSRF token of the session it is served to ("" without one).
    static func html(csrf: String) -> String {
        template.replacingOccurrences(of: "{{csrf}}", with: csrf.filter { $0.isHexDigit })
    }

    /// Only this page's own style and script run (by their hashes), it talks to this service
    /// only, and no other page may frame it.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src '\(hash(between: "<script>", "</script>"))'; "
        + "style-src '\(hash(between: "<style>", "</style>"))'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// `sha256-…` of the text between the first `open` and the next `close` (as CSP hashes it).
    static func hash(between open: String, _ close: String) -> String {
        guard let start = template.range(of: open), let end = template.range(of: close, range: start.upperBound..<template.endIndex) else {
            return "none"
        }
        return "sha256-" + Data(SHA256.hash(data: Data(template[start.upperBound..<end.lowerBound].utf8))).base64EncodedString()
    }

    static let template = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="csrf-token" content="{{csrf}}">
        <title>tamwatch</title>
        <style>
        :root { --fg:#1d2330; --muted:#667085; --line:#e4e7ec; --bg:#f7f8fa; --ok:#12b76a; --warn:#f79009; --bad:#f04438; --run:#2e90fa; }
        * { box-sizing: border-box; }
        body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
        header { display:flex; gap:12px; align-items:center; padding:12px 16px; background:#fff; border-bottom:1px solid var(--line); flex-wrap:wrap; }
        header h1 { font-size:16px; margin:0; }
        .badge { padding:2px 8px; border-radius:10px; font-size:12px; background:var(--line); }
        .badge.live { background:#d1fadf; } .badge.reconnecting { background:#fef0c7; }
        main { padding:12px 16px; display:grid; gap:16px; }
        section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px; overflow-x:auto; }
        h2 { font-size:14px; margin:0 0 8px; }
        table { width:100%; border-collapse:collapse; }
        th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; white-space:nowrap; }
        th { color:var(--muted); font-weight:500; font-size:12px; }
        tr.watch { cursor:pointer; } tr.watch:hover { background:var(--bg); } tr.watch.selected { background:#eff8ff; }
        .status { font-weight:600; } .status.completed { color:var(--ok); } .status.failed, .status.cancelled, .status.errored { color:var(--bad); }
        .status.running { color:var(--run); } .status.paused, .status.pausing { color:var(--warn); }
        .bar { display:inline-flex; gap:2px; vertical-align:middle; margin-right:6px; }
        .bar i { width:10px; height:10px; border-radius:2px; background:var(--line); display:inline-block; }
        .bar i.done { background:var(--run); }
        .chip { display:inline-block; background:var(--bg); border:1px solid var(--line); border-radius:10px; padding:0 6px; margin-right:4px; font-size:12px; }
        .muted { color:var(--muted); } .err { color:var(--bad); white-space:normal; }
        .summary { display:flex; gap:24px; flex-wrap:wrap; } .summary b { font-size:18px; display:block; }
        button { font:inherit; padding:3px 10px; border:1px solid var(--line); border-radius:6px; background:#fff; cursor:pointer; }
        button.danger { color:var(--bad); }
        #detail[hidden] { display:none; }
        .timeline li { margin:2px 0; } .timeline { padding-left:28px; margin:0 0 12px; }
        #timeline { max-height:220px; overflow-y:auto; font-variant-numeric:tabular-nums; }
        #detail h2 { display:flex; gap:12px; align-items:center; flex-wrap:wrap; }
        @media (max-width: 640px) {
          .wide { display:none; }
          th, td { padding:4px; }
          main { padding:8px; }
        }
        </style>
        </head>
        <body>
        <header><h1>tamwatch</h1><span id="conn" class="badge">connecting</span><span id="count" class="muted"></span></header>
        <main>
        <section>
          <h2>Outbox</h2>
          <div class="summary"><div><b id="pending">0</b>pending</div><div><b id="oldest">-</b>oldest pending</div><div><b id="dead">0</b>dead</div></div>
          <table id="channels"><thead><tr><th>channel</th><th>type</th><th class="wide">host</th><th>pending</th><th>dead</th><th>last success</th><th>last error</th></tr></thead><tbody></tbody></table>
        </section>
        <section>
          <h2>Watches</h2>
          <table id="watches"><thead><tr><th>job</th><th>status</th><th>bands</th><th>processed</th><th class="wide">credits</th><th class="wide">labels</th><th>last poll</th><th>last event</th></tr></thead><tbody></tbody></table>
        </section>
        <section id="detail" hidden>
          <h2>Job <span id="detail-job"></span> <button id="stop" class="danger">Stop watching</button></h2>
          <h2>Timeline</h2><ol id="timeline" class="timeline"></ol>
          <h2>Deliveries</h2>
          <table id="deliveries"><thead><tr><th>event</th><th>channel</th><th>status</th><th>attempts</th><th>last</th><th></th></tr></thead><tbody></tbody></table>
        </section>
        </main>
        <script>
        "use strict";
        const live = new URLSearchParams(location.search).get("live") !== "0";
        const watches = new Map();
        let selected = null;
        const $ = (id) => document.getElementById(id);
        function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; }
        const csrf = document.querySelector("meta[name=csrf-token]").content;
        async function api(path, init) {
          const headers = { "accept": "application/json" };
          if (init && init.method && init.method !== "GET") { headers["content-type"] = "application/json"; headers["x-csrf-token"] = csrf; }
          const r = await fetch(path, Object.assign({ credentials: "same-origin", headers: headers }, init || {}));
          if (!r.ok) { let detail = r.statusText; try { detail = (await r.json()).detail || detail; } catch (e) {} throw new Error(r.status + " " + detail); }
          return r.status === 204 ? null : r.json();
        }
        function ago(iso) {
          if (!iso) return "-";
          const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
          if (s < 60) return s + "s ago"; if (s < 3600) return Math.floor(s / 60) + "m ago";
          if (s < 86400) return Math.floor(s / 3600) + "h ago"; return Math.floor(s / 86400) + "d ago";
        }
        function bands(done, total) {
          const span = el("span"); const bar = el("span", null, "bar");
          const t = Math.min(total || 0, 20);
          for (let i = 0; i < t; i++) bar.appendChild(el("i", null, i < (done || 0) ? "done" : ""));
          span.appendChild(bar); span.appendChild(el("span", total ? (done || 0) + "/" + total : "-", "bands"));
          return span;
        }
        function row(w) {
          const tr = el("tr", null, "watch"); tr.dataset.job = w.job_id;
          if (w.job_id === selected) tr.classList.add("selected");
          tr.appendChild(el("td", w.job_id.slice(0, 8), "job"));
          const errored = !w.active && w.error;
          const st = el("td", errored ? "errored" : w.status + (w.active ? "" : w.stopped_at ? " (stopped)" : ""), "status " + (errored ? "errored" : w.status));
          tr.appendChild(st);
          const b = el("td"); b.appendChild(bands(w.bands_done, w.bands_total)); tr.appendChild(b);
          tr.appendChild(el("td", w.processed === null ? "-" : Number(w.processed).toLocaleString(), "processed"));
          tr.appendChild(el("td", w.credits_consumed === null ? "-" : Number(w.credits_consumed).toLocaleString(), "credits wide"));
          const l = el("td", null, "wide"); for (const [k, v] of Object.entries(w.labels || {})) l.appendChild(el("span", k + "=" + v, "chip")); tr.appendChild(l);
          tr.appendChild(el("td", ago(w.last_polled_at), "polled muted"));
          tr.appendChild(el("td", (w.last_event_type ? w.last_event_type + " " : "") + ago(w.last_event_at), "last-event muted"));
          if (w.error) tr.title = w.error;
          tr.onclick = () => openDetail(w.job_id);
          return tr;
        }
        function renderWatches() {
          const body = $("watches").tBodies[0]; const rows = [];
          const list = Array.from(watches.values()).sort((a, b) => (b.created_at || "").localeCompare(a.created_at || ""));
          for (const w of list) rows.push(row(w));
          body.replaceChildren(...rows);
          $("count").textContent = (more ? "newest " : "") + list.length + " watch" + (list.length === 1 ? "" : "es");
        }
        let more = false;
        async function loadWatches() {
          // The newest 500: the page stays light with ten thousand watches; the API has them all.
          const page = await api("/api/v1/watches?limit=500");
          const seen = new Map();
          for (const w of page.data) { const old = watches.get(w.job_id); if (old && old.last_event_type) w.last_event_type = old.last_event_type; seen.set(w.job_id, w); }
          more = page.next_cursor !== null;
          watches.clear(); for (const [k, v] of seen) watches.set(k, v);
          renderWatches();
        }
        async function loadChannels() {
          const page = await api("/api/v1/channels"); let pending = 0, dead = 0, oldest = null; const rows = [];
          for (const c of page.data) {
            pending += c.pending; dead += c.dead;
            if (c.oldest_pending_at && (!oldest || c.oldest_pending_at < oldest)) oldest = c.oldest_pending_at;
            const tr = el("tr"); tr.dataset.channel = c.name;
            tr.appendChild(el("td", c.name + (c.disabled ? " (disabled)" : "")));
            tr.appendChild(el("td", c.type)); tr.appendChild(el("td", c.host, "wide muted"));
            tr.appendChild(el("td", c.pending, "pending")); tr.appendChild(el("td", c.dead, "dead"));
            tr.appendChild(el("td", ago(c.last_success_at), "muted"));
            tr.appendChild(el("td", c.last_error ? c.last_error + " (" + ago(c.last_error_at) + ")" : "-", c.last_error ? "err" : "muted"));
            rows.push(tr);
          }
          $("channels").tBodies[0].replaceChildren(...rows);
          $("pending").textContent = pending; $("dead").textContent = dead; $("oldest").textContent = oldest ? ago(oldest).replace(" ago", "") : "-";
        }
        async function openDetail(jobId) {
          selected = jobId; $("detail").hidden = false; $("detail-job").textContent = jobId;
          renderWatches(); await loadDetail();
        }
        async function loadDetail() {
          if (!selected) return;
          const jobId = selected;
          const events = await api("/api/v1/watches/" + encodeURIComponent(jobId) + "/events?limit=500");
          const items = events.data.map((e) => el("li", e.occurred_at.slice(11, 19) + "  " + e.type + "  " + summary(e)));
          $("timeline").replaceChildren(...items);
          const dl = await api("/api/v1/deliveries?limit=200&job_id=" + encodeURIComponent(jobId));
          const rows = [];
          for (const d of dl.data) {
            const tr = el("tr"); tr.dataset.delivery = d.id;
            tr.appendChild(el("td", d.event_type)); tr.appendChild(el("td", d.channel));
            tr.appendChild(el("td", d.status, "status " + d.status)); tr.appendChild(el("td", d.attempt_count));
            tr.appendChild(el("td", d.last_error ? d.last_error : d.last_status ? "HTTP " + d.last_status : "-", d.last_error ? "err" : "muted"));
            const actions = el("td"); const replay = el("button", "Replay", "replay");
            replay.onclick = async (ev) => { ev.stopPropagation(); replay.disabled = true;
              try { await api("/api/v1/deliveries/" + d.id + "/replay", { method: "POST" }); replay.textContent = "Queued"; }
              catch (e) { replay.textContent = "Failed: " + e.message; } setTimeout(loadDetail, 1000); };
            const more = el("button", "Attempts");
            more.onclick = async (ev) => { ev.stopPropagation(); const full = await api("/api/v1/deliveries/" + d.id);
              const list = el("ol", null, "timeline");
              for (const a of full.attempts) list.appendChild(el("li", a.at.slice(11, 19) + "  " + (a.status_code ? "HTTP " + a.status_code : "no answer") + "  " + a.duration_ms + " ms" + (a.error ? "  " + a.error : "") + (a.response_excerpt ? "  " + a.response_excerpt : "")));
              if (!full.attempts.length) list.appendChild(el("li", "no attempt yet"));
              actions.replaceChildren(replay, list); };
            actions.appendChild(replay); actions.appendChild(more); tr.appendChild(actions); rows.push(tr);
          }
          $("deliveries").tBodies[0].replaceChildren(...rows);
        }
        function summary(e) {
          const d = e.data || {};
          switch (e.type) {
            case "job.status_changed": return (d.from || "-") + " → " + d.to;
            case "job.band_completed": return "band " + d.band + " of " + d.bands_total;
            case "job.processed_milestone": return Number(d.milestone).toLocaleString() + " processed";
            case "job.progress": return Number(d.processed).toLocaleString() + " processed";
            case "job.terminal": return d.status + (d.error_message ? ": " + d.error_message : "");
            case "watch.error": return d.message || d.kind;
            default: return "";
          }
        }
        $("stop").onclick = async () => {
          if (!selected) return;
          try { const w = await api("/api/v1/watches/" + encodeURIComponent(selected) + "/stop", { method: "POST" }); watches.set(w.job_id, w); renderWatches(); }
          catch (e) { alert(e.message); }
        };
        let channelTimer = null, detailTimer = null;
        function onEvent(msg) {
          let e; try { e = JSON.parse(msg.data); } catch (err) { return; }
          const w = watches.get(e.job_id);
          if (!w) { loadWatches().catch(() => {}); return; }
          const j = e.job || {};
          if (j.status) w.status = j.status;
          for (const k of ["processed", "bands_done", "bands_total", "progress_message"]) if (j[k] !== undefined && j[k] !== null) w[k] = j[k];
          if (j.manifest && j.manifest.credits_consumed !== undefined) w.credits_consumed = j.manifest.credits_consumed;
          w.last_event_at = e.occurred_at; w.last_event_type = e.type; w.last_polled_at = e.occurred_at;
          if (e.type === "job.terminal" || e.type === "watch.error") w.active = false;
          renderWatches();
          clearTimeout(channelTimer); channelTimer = setTimeout(() => loadChannels().catch(() => {}), 500);
          if (e.job_id === selected) { clearTimeout(detailTimer); detailTimer = setTimeout(() => loadDetail().catch(() => {}), 500); }
        }
        function connect() {
          const es = new EventSource("/api/v1/events");
          es.onopen = () => { $("conn").textContent = "live"; $("conn").className = "badge live"; };
          es.onerror = () => { $("conn").textContent = "reconnecting"; $("conn").className = "badge reconnecting"; };
          es.onmessage = onEvent;
          for (const t of ["job.status_changed", "job.band_completed", "job.processed_milestone", "job.progress", "job.degraded", "job.stalled", "job.credits_consumed", "job.terminal", "job.results_ready", "job.budget_warning", "job.budget_exceeded", "watch.error"]) es.addEventListener(t, onEvent);
          es.addEventListener("shutdown", () => { $("conn").textContent = "server stopping"; $("conn").className = "badge reconnecting"; });
        }
        async function start() {
          try { await Promise.all([loadWatches(), loadChannels()]); }
          catch (e) { $("conn").textContent = e.message; return; }
          if (live) { connect(); setInterval(() => { loadWatches().catch(() => {}); loadChannels().catch(() => {}); }, 10000); }
          else { $("conn").textContent = "static"; }
          setInterval(renderWatches, 1000);
        }
        start();
        </script>
        </body>
        </html>
        """#
}
