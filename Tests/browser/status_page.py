"""Drives tamwatch serve's status page in headless Chromium (Debian's chromium and
chromium-driver, through Selenium): it logs in with the token, submits a build through the API,
watches the page follow it over the event stream (the bands bar and the status change without a
reload), replays a delivery from the page, checks the phone layout and saves screenshots.

Prints one JSON line: what it saw, for the Swift test to check against the receiver.
"""
import argparse
import json
import sys
import urllib.request

import chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--screenshot", required=True)
parser.add_argument("--phone-screenshot", required=True)
args = parser.parse_args()


def api(method, path, body=None):
    request = urllib.request.Request(args.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + args.token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


driver, scratch = chromium.start()
seen = {}
try:
    wait = WebDriverWait(driver, 30, poll_frequency=0.05)
    driver.get(args.url + "/?access_token=" + args.token)
    wait.until(lambda d: d.find_element(By.ID, "conn").text == "live")
    seen["url_after_login"] = driver.current_url
    driver.execute_script("window.__loaded = performance.timeOrigin")

    job = api("POST", "/api/v1/builds", {"query": "cloud observability tools", "labels": {"owner": "ana"}})["job_id"]
    seen["job"] = job
    row = "tr[data-job='%s']" % job

    def cell(d, name):
        # Read in one script call: the page re-renders its rows, so element handles go stale.
        return d.execute_script(
            "const c = document.querySelector(arguments[0]); return c ? c.textContent : null;", row + " " + name)

    wait.until(lambda d: cell(d, ".bands") not in (None, "-"))
    seen["bands_first"] = cell(driver, ".bands")
    progress = []
    def until_done(d):
        b = cell(d, ".bands")
        if b and (not progress or progress[-1] != b):
            progress.append(b)
        status = cell(d, ".status") or ""
        return status.startswith("completed") and b == "6/6"
    WebDriverWait(driver, 60, poll_frequency=0.02).until(until_done)
    seen["bands_progress"] = progress
    seen["status"] = cell(driver, ".status")
    seen["processed"] = cell(driver, ".processed")
    seen["query"] = cell(driver, ".job .query")
    seen["done_bars"] = driver.execute_script("return document.querySelectorAll(arguments[0]).length", row + " .bar i.done")
    seen["reloaded"] = driver.execute_script("return window.__loaded !== performance.timeOrigin")

    # The detail: timeline and deliveries, then a replay from the page.
    driver.execute_script("document.querySelector(arguments[0]).click()", row)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#timeline li")) > 5)
    seen["timeline"] = len(driver.find_elements(By.CSS_SELECTOR, "#timeline li"))
    # The build ended: nothing to stop.
    seen["stop_shown"] = driver.execute_script("return !document.getElementById('stop').hidden")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#deliveries tr[data-delivery] .status.sent"))
    first = driver.find_element(By.CSS_SELECTOR, "#deliveries tr[data-delivery]")
    seen["replayed"] = first.get_attribute("data-delivery")
    first.find_element(By.CSS_SELECTOR, "button.replay").click()
    wait.until(lambda d: "Queued" in d.page_source or "Failed" in d.page_source)
    seen["replay_button"] = "Queued" if "Queued" in driver.page_source else "Failed"
    channels = driver.find_element(By.ID, "channels").text
    seen["channels"] = channels
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(args.screenshot)

    # A phone: nothing wider than the screen.
    driver.set_window_size(390, 844)
    driver.get(args.url + "/")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, row))
    # Loaded afresh (no event seen yet): the last event still has its type.
    seen["last_event_after_reload"] = cell(driver, ".last-event")
    seen["phone_overflow"] = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    driver.save_screenshot(args.phone_screenshot)
finally:
    chromium.stop(driver, scratch)
print(json.dumps(seen))
sys.stdout.flush()
