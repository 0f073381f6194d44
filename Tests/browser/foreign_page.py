"""A hostile web page in headless Chromium (Debian's chromium and chromium-driver, through
Selenium), against tamwatch serve on this machine.

The browser first logs in to the real page (its session cookie is then sent with same-site
requests), then opens a page served from another port of 127.0.0.1 (same site, another origin)
that tries to change things (a text/plain POST, a JSON POST, a form, a DELETE) and to read the
API. Then it loads the API through a name that resolves to 127.0.0.1 (DNS rebinding, by
Chromium's host resolver rules). Last, the real page stops a watch with its own button.

Prints one JSON line: what each attempt saw, for the Swift test to check against the API.
"""
import argparse
import http.server
import json
import sys
import threading

import chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--job", required=True)
args = parser.parse_args()
port = args.url.rsplit(":", 1)[1]

EVIL = """<!doctype html><html><body><iframe name="sink"></iframe>
<form id="f" method="POST" enctype="text/plain" target="sink" action="%(url)s/api/v1/builds">
<input name='{"query": "from a form", "x": "' value='"}'></form>
<script>
const target = "%(url)s";
window.results = {};
async function attempt(name, run) {
  try { const r = await run(); window.results[name] = r === undefined ? "sent" : r; }
  catch (e) { window.results[name] = "blocked: " + e.name; }
}
(async () => {
  await attempt("text_plain_post", async () => {
    const r = await fetch(target + "/api/v1/builds", { method: "POST", mode: "no-cors", credentials: "include",
      headers: { "content-type": "text/plain" }, body: JSON.stringify({ query: "from a page" }) });
    return "opaque:" + r.type;
  });
  await attempt("json_post", async () => {
    const r = await fetch(target + "/api/v1/builds", { method: "POST", credentials: "include",
      headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "from a page" }) });
    return "status:" + r.status;
  });
  await attempt("empty_post_stop", async () => {
    const r = await fetch(target + "/api/v1/watches/%(job)s/stop", { method: "POST", mode: "no-cors", credentials: "include" });
    return "opaque:" + r.type;
  });
  await attempt("delete", async () => {
    const r = await fetch(target + "/api/v1/watches/%(job)s", { method: "DELETE", credentials: "include" });
    return "status:" + r.status;
  });
  await attempt("read", async () => {
    const r = await fetch(target + "/api/v1/watches", { credentials: "include" });
    return "read:" + (await r.text()).slice(0, 40);
  });
  document.getElementById("f").submit();
  await new Promise((resolve) => setTimeout(resolve, 500));
  window.done = true;
})();
</script></body></html>"""


class Evil(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (EVIL % {"url": args.url, "job": args.job}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
threading.Thread(target=evil.serve_forever, daemon=True).start()
evil_url = "http://127.0.0.1:%d/" % evil.server_address[1]

driver, scratch = chromium.start("--host-resolver-rules=MAP rebind.evil.example 127.0.0.1")
seen = {}
try:
    wait = WebDriverWait(driver, 30, poll_frequency=0.05)
    # The victim is logged in to the real page: its session cookie exists.
    driver.get(args.url + "/?access_token=" + args.token)
    wait.until(lambda d: d.find_element(By.ID, "conn").text == "live")

    driver.get(evil_url)
    wait.until(lambda d: d.execute_script("return window.done === true"))
    seen["attempts"] = driver.execute_script("return window.results")

    # DNS rebinding: the browser thinks it talks to rebind.evil.example.
    driver.get("http://rebind.evil.example:%s/api/v1/watches" % port)
    seen["rebinding"] = driver.find_element(By.TAG_NAME, "body").text[:300]

    # The real page's own action still works: stop the watch with its button.
    driver.get(args.url + "/")
    row = "tr[data-job='%s']" % args.job
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, row))
    driver.execute_script("document.querySelector(arguments[0]).click()", row)
    wait.until(lambda d: d.find_element(By.ID, "detail").is_displayed())
    driver.find_element(By.ID, "stop").click()
    wait.until(lambda d: "(stopped)" in (d.execute_script(
        "const c = document.querySelector(arguments[0]); return c ? c.textContent : ''", row + " .status") or ""))
    seen["stopped_on_page"] = True
finally:
    chromium.stop(driver, scratch)
    evil.shutdown()
print(json.dumps(seen))
sys.stdout.flush()
